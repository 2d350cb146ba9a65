extension NotificationConfig {
    /// Whether `event` goes to this receiver.
    ///
    /// - Parameter labels: the labels of the event's application (from its `capstan.yaml`, as the store
    ///   last recorded them); nil when the event has no application or the store does not know it.
    ///
    /// An event with no application (`repository.polled`, `repository.error`) passes only a notification that
    /// filters on neither `apps` nor `labels`: a filter on applications asks for those applications' events.
    public func matches(_ event: Event, labels appLabels: [String: String]?) -> Bool {
        guard events.isEmpty || events.contains(where: { $0.matches(event.kind) }) else { return false }
        if apps.isEmpty && labels.isEmpty { return true }
        guard let app = event.app else { return false }
        if !apps.isEmpty && !apps.contains(app) { return false }
        guard !labels.isEmpty else { return true }
        guard let appLabels else { return false }
        return labels.allSatisfy { appLabels[$0.key] == $0.value }
    }
}
