import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback TCP helpers for tests of network remotes.
public enum LoopbackTCP {
    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
    public static func freePort() throws -> Int {
        let listener = try SocketFD.listen(backlog: 1)
        defer { close(listener.fd) }
        return listener.port
    }

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

    /// A socket listening on 127.0.0.1 at a port the kernel picks.
    static func listen(backlog: Int32) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        var address = loopback(port: 0)
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
