import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Names the fuzz case that was running when the test process dies (a trap, an overflowed stack) or hangs.
///
/// A crash ends the process before any test can report, so each running fuzz target keeps the line to print
/// in a preallocated C buffer; a signal handler writes those lines to stderr with `write(2)` (all it may
/// safely do) and hands the signal back to the handler that was there before (Swift's backtracer). A
/// watchdog thread does the same and aborts when one case has run for ``hangLimit``.
enum FuzzCrashGuard {
    /// Far beyond the per-case limit of a test: a case this slow is a hang, not slowness.
    static let hangLimit: Duration = .seconds(60)
    static let slotCount = 8, slotSize = 256

    /// Line buffers and their lengths, read by the signal handler; never freed.
    nonisolated(unsafe) static let lines = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotSize)
    nonisolated(unsafe) static let lengths: UnsafeMutablePointer<Int> = {
        let pointer = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
        pointer.initialize(repeating: 0, count: slotCount)
        return pointer
    }()
    /// The actions that were installed before ours, by signal number.
    nonisolated(unsafe) static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 64)
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGSEGV, SIGFPE]

    /// Slot → (target, when its current case started).
    static let slots = Mutex<[(target: String, started: ContinuousClock.Instant)?]>(Array(repeating: nil, count: slotCount))

    private static let installed: Bool = {
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                for slot in 0..<FuzzCrashGuard.slotCount where FuzzCrashGuard.lengths[slot] > 0 {
                    _ = write(2, FuzzCrashGuard.lines + slot * FuzzCrashGuard.slotSize, FuzzCrashGuard.lengths[slot])
                }
                // Put the old handler back; the faulting instruction runs again and reaches it.
                sigaction(signal, FuzzCrashGuard.previous + Int(signal), nil)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(signal, &action, previous + Int(signal))
        }
        Thread.detachNewThread { watch() }
        return true
    }()

    /// Takes a slot for `target`'s run (nil when all are taken: that run goes unguarded).
    static func begin(_ target: String) -> Int? {
        _ = installed
        return slots.withLock { slots in
            guard let free = slots.firstIndex(where: { $0 == nil }) else { return nil }
            slots[free] = (target, .now)
            return free
        }
    }

    /// Notes that case `seed` is starting.
    static func running(_ slot: Int?, seed: UInt64) {
        guard let slot else { return }
        let target = slots.withLock { slots in
            slots[slot]?.started = .now
            return slots[slot]?.target ?? ""
        }
        let line = "capstan fuzz: \(target) was running case seed \(Fuzz.hex(seed)); replay with CAPSTAN_FUZZ_SEED=\(Fuzz.hex(seed))\n"
        let bytes = Array(line.utf8.prefix(slotSize))
        lengths[slot] = 0
        bytes.withUnsafeBufferPointer { buffer in
            (lines + slot * slotSize).withMemoryRebound(to: UInt8.self, capacity: slotSize) {
                $0.update(from: buffer.baseAddress!, count: buffer.count)
            }
        }
        lengths[slot] = bytes.count
    }

    /// Frees the slot.
    static func end(_ slot: Int?) {
        guard let slot else { return }
        lengths[slot] = 0
        slots.withLock { $0[slot] = nil }
    }

    /// Aborts, naming the case, when one runs for longer than ``hangLimit``.
    private static func watch() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            let hung = slots.withLock { slots in
                slots.indices.first { slots[$0].map { $0.started.duration(to: .now) > hangLimit } ?? false }
            }
            guard let hung else { continue }
            let header = "capstan fuzz: a case has run for more than \(hangLimit); aborting\n"
            FileHandle.standardError.write(Data(header.utf8))
            FileHandle.standardError.write(Data(bytes: lines + hung * slotSize, count: lengths[hung]))
            abort()
        }
    }
}
