#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// Why a process could not be started: the call that failed and its errno.
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Starts processes with `posix_spawn`, the one way Capstan starts children (plugins, instances, HAProxy).
///
/// Not Foundation's `Process`: a child inherits its spawning thread's signal mask, and Dispatch and the
/// cooperative pool run with signals blocked, so a `Process` started from async code can have SIGTERM
/// blocked forever. Every child here starts with an empty mask, every signal at its default
/// disposition, and no descriptor of ours beyond the ones `fileActions` sets up (0, 1 and 2).
public enum PosixSpawn {
    #if canImport(Darwin)
    public typealias FileActions = posix_spawn_file_actions_t?
    #else
    public typealias FileActions = posix_spawn_file_actions_t
    #endif

    /// Where the child stands relative to the spawner's terminal and process group.
    public enum Detachment: Sendable {
        /// Its own process group: a Ctrl-C at the server's terminal does not reach it.
        case processGroup
        /// Its own session: it outlives the spawner and is untouched by its terminal (instances, HAProxy).
        case session
    }

    /// Starts `executable` (looked up on PATH when it has no `/`) and returns its pid.
    ///
    /// - Parameters:
    ///   - workingDirectory: the child's current directory; nil keeps ours.
    ///   - fileActions: sets up the child's descriptors 0, 1 and 2 (dup2 from pipes, open files).
    public static func spawn(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        detachment: Detachment, fileActions: (inout FileActions) -> Void
    ) throws(SpawnError) -> pid_t {
        var actions = FileActions()
        #if canImport(Darwin)
        var attributes: posix_spawnattr_t? = nil
        #else
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        fileActions(&actions)
        if let workingDirectory {
            #if os(Linux)
            guard let addChdir = GNUFunctions.addChdir else {
                throw SpawnError(call: "posix_spawn_file_actions_addchdir_np", errno: ENOSYS)
            }
            _ = addChdir(&actions, workingDirectory)
            #else
            posix_spawn_file_actions_addchdir_np(&actions, workingDirectory)
            #endif
        }
        #if os(Linux)
        _ = GNUFunctions.addCloseFrom?(&actions, 3)
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID, hidden behind _GNU_SOURCE in glibc's spawn.h
        #else
        let setsid = Int32(POSIX_SPAWN_SETSID)
        #endif

        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        switch detachment {
        case .processGroup:
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        case .session:
            flags |= setsid
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = [executable] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                executable.contains("/")
                    ? posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
                    : posix_spawnp(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard status == 0 else { throw SpawnError(call: "posix_spawn \(executable)", errno: status) }
        return pid
    }

    /// Calls `body` with a NULL-terminated C array of copies of `strings`, freed afterwards.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

#if os(Linux)
/// glibc functions that Swift's Glibc module hides behind `_GNU_SOURCE`, looked up once at run time
/// (a C shim target would be the other way; this keeps the target free of one).
enum GNUFunctions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// Since glibc 2.9.
    static let pipe2: Pipe2? = lookUp("pipe2")
    /// Since glibc 2.34 (Debian 12 has 2.36); without it only close-on-exec descriptors are kept from the child.
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")
    /// Since glibc 2.29.
    static let addChdir: AddChdir? = lookUp("posix_spawn_file_actions_addchdir_np")

    private static func lookUp<F>(_ symbol: String) -> F? {
        // dlopen(nil) is the main program and everything it links, libc included.
        dlsym(dlopen(nil, RTLD_NOW), symbol).map { unsafeBitCast($0, to: F.self) }
    }
}
#endif
