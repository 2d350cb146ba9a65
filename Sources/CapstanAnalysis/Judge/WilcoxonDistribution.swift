/// The exact null distribution of the Mann–Whitney statistic W (the number of pairs in which the first
/// sample's value is the larger) for samples of sizes m and n without ties — R's `dwilcox` family.
///
/// The number of arrangements with W = k is the k-th coefficient of the Gaussian binomial coefficient
/// [m+n choose m]_q. It is built with the recurrence [N choose j] = [N−1 choose j−1] + q^j·[N−1 choose j],
/// which only adds: counts reach about 10^28 for 49 against 49, beyond exact integers in a Double, and
/// additions of positive terms keep their relative error near one rounding per step, where the usual
/// multiply-and-divide by (1 − q^i) would subtract large, nearly equal numbers.
struct WilcoxonDistribution: Sendable {
    let m: Int
    let n: Int
    /// counts[k] = the number of arrangements with W = k, for k in 0...m·n.
    private let counts: [Double]
    private let total: Double

    init(m: Int, n: Int) {
        precondition(m > 0 && n > 0, "both samples need at least one value")
        self.m = m
        self.n = n
        let small = min(m, n)
        // polynomials[j] holds [N choose j]_q for the N reached so far; [N choose 0] = 1.
        var polynomials: [[Double]] = [[1]] + Array(repeating: [], count: small)
        for size in 1...(m + n) {
            for j in stride(from: min(size, small), through: 1, by: -1) {
                var next = [Double](repeating: 0, count: j * (size - j) + 1)
                for (k, count) in polynomials[j - 1].enumerated() { next[k] += count }
                for (k, count) in polynomials[j].enumerated() { next[k + j] += count }
                polynomials[j] = next
            }
        }
        counts = polynomials[small]
        total = counts.reduce(0, +)
    }

    /// P(W ≤ w) (R's `pwilcox(w, m, n)`).
    func cdf(_ w: Int) -> Double {
        guard w >= 0 else { return 0 }
        guard w < m * n else { return 1 }
        return counts[0...w].reduce(0, +) / total
    }

    /// P(W ≥ w); the distribution is symmetric about m·n/2, so this is P(W ≤ m·n − w), summed from the
    /// small end rather than taken as 1 − cdf.
    func upperTail(_ w: Int) -> Double {
        cdf(m * n - w)
    }

    /// The smallest w with P(W ≤ w) ≥ p (R's `qwilcox(p, m, n)`), for 0 ≤ p ≤ 1.
    ///
    /// Like R, p is moved by 10 ε first, so that a p computed as, say, 1 − 0.95 still lands on the quantile
    /// that the exact 0.05 would.
    func quantile(_ p: Double) -> Int {
        let fuzz = 10 * Double.ulpOfOne
        var cumulative = 0.0
        if p <= 0.5 {
            let target = p - fuzz
            for w in 0...(m * n) {
                cumulative += counts[w] / total
                if cumulative >= target { return w }
            }
            return m * n
        }
        // From the top, by symmetry: the smallest w with P(W > w) ≤ 1 − p.
        let target = 1 - p + fuzz
        for w in 0...(m * n) {
            cumulative += counts[w] / total
            if cumulative > target { return m * n - w }
        }
        return 0
    }
}
