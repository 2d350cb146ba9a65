import Foundation

/// The standard normal distribution, as far as the Mann–Whitney normal approximation needs it.
///
/// Both tails come from `erfc`, so a small upper-tail probability is not lost to `1 - cdf`.
enum StandardNormal {
    /// P(Z ≤ z).
    static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// P(Z > z).
    static func upperTail(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// The z with P(Z > z) = q, for 0 < q < 1 (R's `qnorm(q, lower.tail = FALSE)`).
    ///
    /// Bisection on the upper tail rather than a rational approximation: it is called a few times per
    /// judgement, and halving until the bracket stops shrinking gives the quantile to the last bit that
    /// `erfc` supports, with nothing to tune.
    static func upperQuantile(_ q: Double) -> Double {
        precondition(q > 0 && q < 1, "a tail probability lies strictly between 0 and 1")
        var low = -40.0, high = 40.0  // upperTail(-40) rounds to 1 and upperTail(40) to 0
        while true {
            let middle = low + (high - low) / 2
            if middle <= low || middle >= high { return middle }
            if upperTail(middle) > q { low = middle } else { high = middle }
        }
    }

    /// The z with P(Z ≤ z) = p (R's `qnorm(p)`); by symmetry, exactly `-upperQuantile(p)`.
    static func quantile(_ p: Double) -> Double {
        -upperQuantile(p)
    }
}
