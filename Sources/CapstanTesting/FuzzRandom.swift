/// SplitMix64: a tiny generator whose sequence depends only on its seed, on every platform and toolchain,
/// so a fuzz input named by its seed can be made again anywhere.
///
/// The helpers below (`below`, `chance`, `pick`) are written out rather than taken from the standard
/// library's `random(in:using:)`, whose algorithm is not promised to stay the same between releases.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (0 when `bound` is not positive); multiply-high, bias below 2^-32 for our sizes.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in `range`.
    public mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Fisher–Yates with this generator (not the standard library's `shuffle`, whose algorithm may change).
    public mutating func shuffle<T>(_ items: inout [T]) {
        for index in items.indices.dropLast().reversed() {
            items.swapAt(index, below(index + 1))
        }
    }

    /// The seed of case `index` of a run started at `base`: every case can be replayed on its own.
    public static func caseSeed(base: UInt64, index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: base ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }
}
