import CapstanCore
import CapstanPluginKit

/// A traffic split between the variants of one service, in percent (sums to 100).
struct TrafficShares: Sendable, Hashable, Codable, CustomStringConvertible {
    var primary: Int
    var canary: Int
    var baseline: Int

    /// Everything to primary: what SYNC, ROLLBACK and a service never routed run with.
    static let allPrimary = TrafficShares(primary: 100, canary: 0, baseline: 0)

    subscript(variant: Variant) -> Int {
        get {
            switch variant {
            case .primary: primary
            case .canary: canary
            case .baseline: baseline
            }
        }
        set {
            switch variant {
            case .primary: primary = newValue
            case .canary: canary = newValue
            case .baseline: baseline = newValue
            }
        }
    }

    /// "primary 90%, canary 10%": the variants with a share, in a fixed order.
    var description: String {
        let parts = Variant.allCases.filter { self[$0] > 0 }.map { "\($0.rawValue) \(self[$0])%" }
        return parts.isEmpty ? "no traffic" : parts.joined(separator: ", ")
    }
}

/// Per-server HAProxy weights that give each variant its share of requests, whatever its instance count.
///
/// With `balance roundrobin` a server gets `weight / sum of weights` of the requests, so a variant's
/// share is the sum of its servers' weights over the total. Each variant `v` with share `p(v)` percent
/// over `n(v)` serving instances has a *density* `p(v) / n(v)` per instance; the densest variant's
/// instances get the largest weight HAProxy takes (256), the others in proportion, rounded:
///
///     w(v) = max(1, round(256 · (p(v) / n(v)) / max over u of (p(u) / n(u))))   when p(v) > 0
///     w(v) = 0                                                                 when p(v) = 0
///
/// Scaling to the top of HAProxy's range keeps the rounding error small: each weight is off by at
/// most ½, so a variant's share is off by at most about ½ / w(v) of itself. 10% on 1 instance
/// beside 90% on 4: primary 256 each, canary round(256 · 10 / 22.5) = 114, so the canary gets
/// 114 / (114 + 4 · 256) = 10.02%. A positive share never rounds to 0.
enum WeightFormula {
    /// The largest weight HAProxy accepts.
    static let maxWeight = 256

    /// The weight of each instance of each variant that has instances; a variant with a positive share
    /// and no instance is left out (the caller refuses or warns).
    static func perInstance(shares: TrafficShares, instances: [Variant: Int]) -> [Variant: Int] {
        let densities = Variant.allCases.compactMap { variant -> (Variant, Double)? in
            guard let count = instances[variant], count > 0 else { return nil }
            return (variant, Double(shares[variant]) / Double(count))
        }
        let densest = densities.map(\.1).max() ?? 0
        var weights: [Variant: Int] = [:]
        for (variant, density) in densities {
            weights[variant] = density == 0 || densest == 0
                ? 0 : max(1, Int((Double(maxWeight) * density / densest).rounded()))
        }
        return weights
    }

    /// The share each variant actually gets with `weights` per instance, in percent (for tests and logs).
    static func effectiveShares(weights: [Variant: Int], instances: [Variant: Int]) -> [Variant: Double] {
        let total = weights.reduce(0) { $0 + $1.value * (instances[$1.key] ?? 0) }
        guard total > 0 else { return [:] }
        return Dictionary(uniqueKeysWithValues: weights.map { variant, weight in
            (variant, Double(weight * (instances[variant] ?? 0)) * 100 / Double(total))
        })
    }
}
