/// The effect sizes Kayenta gates a significant change with.
enum EffectSizes {
    /// mean(experiment) / mean(control); `nil` when the control's mean is 0 and the ratio does not exist.
    ///
    /// Kayenta also calls the ratio undefined when the experiment's mean is 0; here it is 0, the size of a
    /// drop to nothing, which passes every decrease limit just as Kayenta's "undefined" does.
    static func meanRatio(control: [Double], experiment: [Double]) -> Double? {
        let controlMean = mean(control)
        guard controlMean != 0 else { return nil }
        return mean(experiment) / controlMean
    }

    /// The common-language effect size: the chance that a random experiment value exceeds a random control
    /// value, ties counting one half — W / (m·n), with W the Mann–Whitney statistic of experiment against
    /// control. 0.5 means no shift.
    static func cles(w: Double, experimentCount: Int, controlCount: Int) -> Double {
        w / Double(experimentCount * controlCount)
    }

    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }
}
