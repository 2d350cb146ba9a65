import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback TCP helpers for tests of network remotes.
public enum LoopbackTCP {
    /// A TCP port on 127.0.0.1 that was free a moment ago, for a test to hand to a process that binds it later.
    ///
    /// It comes from below the kernel's ephemeral range, never from it: a port the kernel picked for a bind to
    /// port 0 may be handed out again — to an instance, a client connection — before the process it was meant
    /// for binds it (seen as HAProxy's "cannot bind socket" with tests running in parallel). Ports are taken in
    /// turn from a random start, so two fixtures of one test run do not get the same one.
    public static func freePort() throws -> Int {
        let range = reservedRange
        for _ in 0..<range.count {
            let offset = nextOffset.add(1, ordering: .relaxed).oldValue
            let port = range.lowerBound + offset % range.count
            guard let listener = try? SocketFD.listen(backlog: 1, port: port) else { continue }
            close(listener.fd)
            return port
        }
        throw SocketError(call: "bind", code: EADDRINUSE)
    }

    /// The 10,000 ports below the ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`, 32768 by default).
    static let reservedRange: Range<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
        let upper = max(low, 11_024)
        return (upper - 10_000)..<upper
    }()

    private static let nextOffset = Atomic<Int>(Int.random(in: 0..<10_000))

    /// True once something accepts connections on 127.0.0.1:port.
    public static func isAccepting(port: Int) -> Bool {
        let fd = socket(AF_INET, SocketFD.streamType, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = SocketFD.loopback(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc == 0
    }
}

/// A TCP listener on 127.0.0.1 that never accepts or answers: the kernel completes the
/// handshake for queued connections, so a client connects, sends its request and waits forever.
/// Closing it resets the queued connections, which unblocks such clients.
public final class SilentListener: Sendable {
    /// The port clients connect to.
    public let port: Int
    /// -1 once closed: closing twice could close a descriptor another thread has reused.
    private let fd: Atomic<Int32>

    /// Starts listening on a free loopback port.
    public init() throws {
        let listener = try SocketFD.listen(backlog: 16)
        self.fd = Atomic(listener.fd)
        self.port = listener.port
    }

    /// Stops listening (also done on deinit); later calls do nothing.
    public func close() {
        let descriptor = fd.exchange(-1, ordering: .acquiringAndReleasing)
        guard descriptor >= 0 else { return }
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }

    deinit {
        close()
    }
}

/// A socket call failed.
public struct SocketError: Error, CustomStringConvertible {
    /// What was being done.
    public let call: String
    /// errno at the time.
    public let code: Int32

    public var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}

enum SocketFD {
    #if os(Linux)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        return address
    }

    /// A socket listening on 127.0.0.1 at `port`, or at a port the kernel picks when it is 0.
    static func listen(backlog: Int32, port: Int = 0) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        var address = loopback(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { let code = errno; close(fd); throw SocketError(call: "bind", code: code) }
        #if canImport(Glibc)
        let listening = Glibc.listen(fd, backlog)
        #else
        let listening = Darwin.listen(fd, backlog)
        #endif
        guard listening == 0 else { let code = errno; close(fd); throw SocketError(call: "listen", code: code) }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { let code = errno; close(fd); throw SocketError(call: "getsockname", code: code) }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
