import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP relay on 127.0.0.1 in front of another loopback port that counts the bytes passing each way
/// (for benchmarks: the bytes a Git poll exchanges with `git daemon`, whoever the client is).
///
/// One thread accepts; each connection gets two threads, one per direction, that copy with blocking
/// `read`/`write` and close both sockets when both directions have ended.
public final class CountingTCPProxy: Sendable {
    /// The port clients connect to.
    public let port: Int
    private let upstream: Int
    private let listener: Atomic<Int32>
    private let sentBytes = Atomic<Int>(0)
    private let receivedBytes = Atomic<Int>(0)
    private let connectionCount = Atomic<Int>(0)

    /// Listens on a free loopback port and relays every connection to `127.0.0.1:upstreamPort`.
    public init(upstreamPort: Int) throws {
        let (fd, port) = try SocketFD.listen(backlog: 512)
        self.port = port
        self.upstream = upstreamPort
        self.listener = Atomic(fd)
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "counting-proxy-accept"
        thread.start()
    }

    /// Bytes clients sent to the upstream, received from it, and connections made, so far.
    public var counts: (sent: Int, received: Int, connections: Int) {
        (sentBytes.load(ordering: .acquiring), receivedBytes.load(ordering: .acquiring),
         connectionCount.load(ordering: .acquiring))
    }

    /// Stops accepting (relays in flight finish on their own); safe to call twice.
    public func stop() {
        let fd = listener.exchange(-1, ordering: .acquiringAndReleasing)
        guard fd >= 0 else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    deinit {
        stop()
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                guard listener.load(ordering: .acquiring) >= 0 else { return }  // closed by stop()
                if errno != EINTR { usleep(1_000) }  // e.g. out of descriptors for a moment: try again
                continue
            }
            let server = socket(AF_INET, SocketFD.streamType, 0)
            var address = SocketFD.loopback(port: upstream)
            let connected = server >= 0 && withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            } == 0
            guard connected else {
                if server >= 0 { close(server) }
                close(client)
                continue
            }
            // Relayed bytes go out at once: with Nagle's algorithm a small write waits for the peer's delayed ACK
            // (40 ms on Linux), a stall the proxied connection would not have.
            var one: Int32 = 1
            for fd in [client, server] { setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) }
            connectionCount.add(1, ordering: .relaxed)
            let pending = Remaining()
            let finish: @Sendable () -> Void = {
                if pending.count.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    close(client)
                    close(server)
                }
            }
            Thread { [self] in relay(from: client, to: server, count: sentBytes); finish() }.start()
            Thread { [self] in relay(from: server, to: client, count: receivedBytes); finish() }.start()
        }
    }

    private func relay(from source: Int32, to destination: Int32, count: borrowing Atomic<Int>) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        copying: while true {
            let read = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if read < 0, errno == EINTR { continue }
            guard read > 0 else { break }
            count.add(read, ordering: .relaxed)
            var offset = 0
            while offset < read {
                let written = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + offset, read - offset, Int32(MSG_NOSIGNAL)) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break copying }
                offset += written
            }
        }
        // Pass the end on: the other side sees EOF (or the peer's own reset) and its relay ends too.
        shutdown(destination, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }
}

/// The directions of one relayed connection still copying.
private final class Remaining: Sendable {
    let count = Atomic<Int>(2)
}
