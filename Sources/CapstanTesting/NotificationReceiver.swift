import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real receiver of Capstan's notifications on loopback (python3's http.server), as a user would write
/// one: it checks the signature with the shared secret, refuses the first `failFirst` attempts of each
/// delivery and its first `failRequests` requests of all (HTTP 500), and takes each delivery id once — a
/// repeat is answered 200 and counted as a duplicate, never processed again.
public final class NotificationReceiver: Sendable {
    /// What the receiver saw, from `GET /`.
    public struct State: Decodable, Sendable {
        /// Attempts per delivery id (refused ones included).
        public var attempts: [String: Int]
        /// Delivery ids processed, in the order they were accepted.
        public var accepted: [String]
        /// Delivery ids that came again after being accepted.
        public var duplicates: [String]
        public var badSignatures: [String]
        /// Per accepted delivery id: the body's `deliveryId` and `event.kind`, and the `X-Capstan-Event` header.
        public var seen: [String: [String: String]]
        /// Every request, refused ones included.
        public var requests: Int
    }

    /// The receiver did not start listening; its log says why.
    public struct DidNotStart: Error { public let log: String }

    static let script = #"""
        import http.server, json, hmac, hashlib, os, sys, threading
        secret = os.environ.get("SECRET", "").encode()
        fail_first = int(os.environ.get("FAIL_FIRST", "0"))
        fail_requests = int(os.environ.get("FAIL_REQUESTS", "0"))
        lock = threading.Lock()
        state = {"attempts": {}, "accepted": [], "duplicates": [], "badSignatures": [], "seen": {}, "requests": 0}
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self, code, body=b""):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                with lock:
                    data = json.dumps(state).encode()
                self.answer(200, data)
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                delivery = self.headers.get("X-Capstan-Delivery", "")
                with lock:
                    state["attempts"][delivery] = state["attempts"].get(delivery, 0) + 1
                    state["requests"] += 1
                    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                    if secret and not hmac.compare_digest(self.headers.get("X-Capstan-Signature", ""), expected):
                        state["badSignatures"].append(delivery)
                        code = 401
                    elif state["attempts"][delivery] <= fail_first or state["requests"] <= fail_requests:
                        code = 500
                    elif delivery in state["seen"]:
                        state["duplicates"].append(delivery)
                        code = 200
                    else:
                        payload = json.loads(body)
                        state["accepted"].append(delivery)
                        state["seen"][delivery] = {"deliveryId": payload["deliveryId"], "kind": payload["event"]["kind"],
                                                   "header": self.headers.get("X-Capstan-Event", "")}
                        code = 200
                self.answer(code)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """#

    /// Where to POST deliveries.
    public let url: String
    private let process: BackgroundProcess
    private let folder: URL

    public init(secret: String, failFirst: Int = 0, failRequests: Int = 0) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-receiver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("receiver.py")
        try Data(Self.script.utf8).write(to: script)
        let port = try LoopbackTCP.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["SECRET"] = secret
        environment["FAIL_FIRST"] = String(failFirst)
        environment["FAIL_REQUESTS"] = String(failRequests)
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        process = try BackgroundProcess(executable: python, arguments: [script.path, String(port)], environment: environment,
                                        logPath: folder.appendingPathComponent("log").path)
        url = "http://127.0.0.1:\(port)/hook"
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !LoopbackTCP.isAccepting(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                stop()
                throw DidNotStart(log: process.log())
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What it saw so far.
    public func state() async throws -> State {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try JSONDecoder().decode(State.self, from: data)
    }

    /// Stops it and removes its folder.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}
