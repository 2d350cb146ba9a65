extension MannWhitney {
    /// One end of a confidence interval.
    struct Bound {
        var value: Double
        /// The test rejects a shift of exactly `value`: the interval begins (or ends) just beyond it.
        var isOpen = false
    }

    /// The confidence interval of the shift under the normal approximation, as R's `wilcox.test` defines it:
    /// each bound is the shift d at which the standardized statistic of (x − d) against y,
    /// z(d) = (W(d) − m·n/2 − correction) / σ(d), crosses the normal quantile.
    ///
    /// R finds that crossing with `uniroot` to a tolerance of 1e-4. z(d) is a step function, though: W(d)
    /// only changes where x_i − d meets some y_j, that is at a pairwise difference, and between two of
    /// them no value of x − d ties one of y, so σ is the same everywhere (it keeps only the ties within each
    /// sample). So the crossing is a pairwise difference, and a bisection over the sorted differences finds
    /// it exactly — where R's answer lies within its tolerance of the same difference. Should z(d) equal the
    /// quantile on a whole stretch between two differences (the root is then every point of it), the middle
    /// of the stretch is returned.
    ///
    /// At the step itself z takes a value of its own (the pairs that tie there count one half). When that
    /// value is still rejected, the bound is open: the interval starts just beyond the step. With many ties
    /// at one difference — error counts that are mostly 0 on both sides — both bounds can sit on the same
    /// step and the interval be empty, (0, 0]: no pure shift explains the samples, and the open side says
    /// which way they lean. R's root finder lands within 1e-4 on that side of the step, which is what makes
    /// Kayenta call such a canary High.
    struct NormalInterval {
        let x: [Double]
        let y: [Double]
        /// Every x_i − y_j, sorted.
        let differences: [Double]
        let alternative: Alternative
        let correct: Bool

        func bounds(confidence: Double) -> (lower: Bound, upper: Bound) {
            let alpha = 1 - confidence
            // Both samples constant: every difference is the same d, and the combined sample at d is all one
            // tie (σ = 0; R cannot go on). Any quantile of the differences is d, so that is the interval.
            if differences.first == differences.last {
                let d = differences[0]
                return (Bound(value: alternative == .less ? -.infinity : d), Bound(value: alternative == .greater ? .infinity : d))
            }
            let steps = Steps(differences)
            switch alternative {
            case .twoSided:
                let z = StandardNormal.upperQuantile(alpha / 2)
                return (lowerBound(root(z, steps)), upperBound(root(-z, steps)))
            case .greater:
                return (lowerBound(root(StandardNormal.upperQuantile(alpha), steps)), Bound(value: .infinity))
            case .less:
                return (Bound(value: -.infinity), upperBound(root(StandardNormal.quantile(alpha), steps)))
            }
        }

        /// Where z(d) − quantile changes sign, and on which side of that point the change happens.
        enum Crossing {
            /// Exactly at the point (or the middle of a stretch where it is 0).
            case at(Double)
            /// Just after the point: the point itself is still above the quantile.
            case after(Double)
            /// Just before the point: the point itself is already below the quantile.
            case before(Double)
        }

        /// A lower bound keeps the shifts at or after the crossing: open when the crossing is just after.
        private func lowerBound(_ crossing: Crossing) -> Bound {
            switch crossing {
            case .at(let d), .before(let d): Bound(value: d)
            case .after(let d): Bound(value: d, isOpen: true)
            }
        }

        /// An upper bound keeps the shifts at or before the crossing: open when the crossing is just before.
        private func upperBound(_ crossing: Crossing) -> Bound {
            switch crossing {
            case .at(let d), .after(let d): Bound(value: d)
            case .before(let d): Bound(value: d, isOpen: true)
            }
        }

        /// The shift at which z(d) crosses `quantile` (R's `root(zq)`).
        private func root(_ quantile: Double, _ steps: Steps) -> Crossing {
            let lowest = steps.values[0], highest = steps.values[steps.values.count - 1]
            // As R: at or below the quantile already at the smallest shift, or still above it at the
            // largest — the interval ends at the extreme difference.
            let atLowest = standardized(atStep: 0, steps) - quantile
            if atLowest <= 0 { return atLowest == 0 ? .at(lowest) : .before(lowest) }
            let atHighest = standardized(atStep: steps.values.count - 1, steps) - quantile
            if atHighest >= 0 { return atHighest == 0 ? .at(highest) : .after(highest) }

            let size = Double(x.count * y.count)
            let sigma = MannWhitney.sigma(m: x.count, n: y.count, tieTerm: Ranks(x).tieTerm + Ranks(y).tieTerm)
            // On the open stretch after steps.values[k], W(d) is the number of differences above d.
            let excess = { (k: Int) -> Double in
                let centered = Double(differences.count - steps.atOrBelow[k]) - size / 2
                return (centered - MannWhitney.continuity(centered, alternative, correct: correct)) / sigma - quantile
            }
            // excess only falls as k grows: the first stretch below the quantile, the last one above it.
            let stretches = steps.values.count - 1
            let firstBelow = partition(stretches) { excess($0) < 0 }
            let lastAbove = partition(stretches) { excess($0) <= 0 } - 1
            if firstBelow > lastAbove + 1 {
                let left = lastAbove >= 0 ? steps.values[lastAbove + 1] : lowest
                let right = firstBelow < stretches ? steps.values[firstBelow] : highest
                return .at(left + (right - left) / 2)
            }
            // The sign changes across one step: the one that ends the last stretch above the quantile.
            let step = lastAbove + 1
            let atStep = standardized(atStep: step, steps) - quantile
            return atStep > 0 ? .after(steps.values[step]) : atStep < 0 ? .before(steps.values[step]) : .at(steps.values[step])
        }

        /// z at exactly the shift steps.values[k], with the pairs that tie there (R's `W(d)`).
        ///
        /// Counted from the differences rather than by ranking x − d: in floating point x_i − (x_i − y_j)
        /// need not give back y_j, so ranking would miss the very tie that makes the step.
        private func standardized(atStep k: Int, _ steps: Steps) -> Double {
            let d = steps.values[k]
            let atOrBelow = steps.atOrBelow[k], below = k > 0 ? steps.atOrBelow[k - 1] : 0
            let w = Double(differences.count - atOrBelow) + Double(atOrBelow - below) / 2
            let centered = w - Double(x.count * y.count) / 2
            let sigma = MannWhitney.sigma(m: x.count, n: y.count, tieTerm: tieTerm(at: d))
            // σ = 0 only when every value ties, which the constant case in `bounds` has taken out.
            return (centered - MannWhitney.continuity(centered, alternative, correct: correct)) / sigma
        }

        /// Σ (t³ − t) over the tied groups of x − d and y together: values tie within a sample, and a value
        /// u of x joins a value v of y when u − v is exactly d.
        private func tieTerm(at d: Double) -> Double {
            let xs = Dictionary(x.map { ($0, 1) }, uniquingKeysWith: +).sorted { $0.key < $1.key }
            let ys = Dictionary(y.map { ($0, 1) }, uniquingKeysWith: +).sorted { $0.key < $1.key }
            // Union–find over the distinct values: x's at 0..<xs.count, y's after them.
            var parent = Array(0..<(xs.count + ys.count))
            func find(_ i: Int) -> Int {
                var i = i
                while parent[i] != i { i = parent[i] }
                return i
            }
            for (i, u) in xs.enumerated() {
                for (j, v) in ys.enumerated() where u.key - v.key == d {
                    parent[find(xs.count + j)] = find(i)
                }
            }
            var sizes: [Int: Double] = [:]
            for (i, u) in xs.enumerated() { sizes[find(i), default: 0] += Double(u.value) }
            for (j, v) in ys.enumerated() { sizes[find(xs.count + j), default: 0] += Double(v.value) }
            return sizes.values.reduce(0) { $0 + $1 * $1 * $1 - $1 }
        }

        /// The first index in 0..<count where `isAfter` holds, for a predicate that is false then true.
        private func partition(_ count: Int, _ isAfter: (Int) -> Bool) -> Int {
            var low = 0, high = count
            while low < high {
                let middle = (low + high) / 2
                if isAfter(middle) { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }

    /// The distinct values of sorted numbers and how many numbers lie at or below each.
    struct Steps {
        var values: [Double] = []
        var atOrBelow: [Int] = []

        init(_ sorted: [Double]) {
            for (index, value) in sorted.enumerated() {
                if value == values.last {
                    atOrBelow[atOrBelow.count - 1] = index + 1
                } else {
                    values.append(value)
                    atOrBelow.append(index + 1)
                }
            }
        }
    }
}
