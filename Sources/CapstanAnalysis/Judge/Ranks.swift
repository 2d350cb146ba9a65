/// Midranks of a combined sample and the tie correction of the rank-sum variance.
struct Ranks: Sendable {
    /// 1-based ranks in the order of the input; tied values share the mean of the ranks they span.
    let ranks: [Double]
    /// Σ (t³ − t) over the groups of t tied values: the term that shrinks the variance of W under ties.
    let tieTerm: Double

    init(_ values: [Double]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var tieTerm = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
            let shared = Double(start + 1 + end) / 2  // the mean of ranks start+1 ... end
            for position in start..<end { ranks[order[position]] = shared }
            let size = Double(end - start)
            tieTerm += size * size * size - size
            start = end
        }
        self.ranks = ranks
        self.tieTerm = tieTerm
    }

    /// Whether any two values tie.
    var hasTies: Bool { tieTerm > 0 }
}

extension MannWhitney {
    /// The standard deviation of W under the null hypothesis, corrected for ties.
    static func sigma(m: Int, n: Int, tieTerm: Double) -> Double {
        let mm = Double(m), nn = Double(n), size = mm + nn
        let variance = mm * nn / 12 * ((size + 1) - tieTerm / (size * (size - 1)))
        return variance > 0 ? variance.squareRoot() : 0
    }

    /// W of x shifted by `shift` against y, and the tie term of that combined sample.
    static func statistic(_ x: [Double], _ y: [Double], shift: Double) -> (w: Double, tieTerm: Double) {
        let ranks = Ranks(x.map { $0 - shift } + y)
        let m = Double(x.count)
        let rankSum = ranks.ranks[0..<x.count].reduce(0, +)
        return (rankSum - m * (m + 1) / 2, ranks.tieTerm)
    }
}
