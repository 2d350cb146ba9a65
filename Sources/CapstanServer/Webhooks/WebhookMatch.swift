/// Which configured repositories a push is about, and what to tell the sender.
struct WebhookMatch: Sendable, Equatable {
    /// The repositories to refresh, sorted.
    let refreshed: [String]
    /// Why, or why nothing was: for whoever reads the delivery in the provider's UI.
    let message: String

    /// Repositories at one of the push's URLs (or, generic only, of its names) whose branch was pushed, and that
    /// `mayRefresh` allows (the delivery is signed with their key).
    ///
    /// Tags refresh nothing: a repository follows a branch, and a tag does not move it. A tag on a commit of the
    /// branch came with (or after) the push of that commit, which refreshed it then.
    init(_ push: WebhookPush, repositories: [WebhookSettings.Repository],
         mayRefresh: (WebhookSettings.Repository) -> Bool) {
        let place = push.urls.first ?? "?"
        var branches: Set<String>?
        if let refs = push.refs {
            branches = Set(refs.filter { $0.hasPrefix("refs/heads/") }.map { String($0.dropFirst("refs/heads/".count)) })
            if branches?.isEmpty == true {
                refreshed = []
                let pushed = refs.first ?? "nothing"
                message = pushed.hasPrefix("refs/tags/")
                    ? "\(pushed) is a tag: Capstan follows branches, so a tag push refreshes nothing"
                    : "\(pushed) is not a branch: nothing to refresh"
                return
            }
        }
        let locations = Set(push.urls.compactMap(RepositoryLocation.init))
        let atURL = repositories.filter { repository in
            push.names.contains(repository.name) || repository.location.map(locations.contains) == true
        }
        let onBranch = atURL.filter { branches?.contains($0.branch) ?? true }
        let allowed = onBranch.filter(mayRefresh)
        refreshed = Array(Set(allowed.map(\.name))).sorted()
        if !refreshed.isEmpty {
            message = "refreshing \(refreshed.joined(separator: ", "))"
        } else if atURL.isEmpty {
            message = "no configured repository is at \(place)"
        } else if onBranch.isEmpty {
            let pushed = (branches ?? []).sorted().joined(separator: ", ")
            message = "no configured repository at \(place) follows \(pushed)"
        } else {
            message = "the repositories at \(place) have their own webhookSecret, and this delivery is not signed with it"
        }
    }
}
