import CLibGit2
import CapstanCore

/// One fetch into an open repository: ref tips before, libgit2 connect → download →
/// update tips → prune, ref tips after. Runs on the mirror's queue.
struct FetchTransfer {
    let remote: GitRemote
    let credentials: GitCredentials
    let context: GitContext
    let control: OperationControl

    /// A mirror of branches and tags; "+" accepts force-pushes, prune drops deleted refs.
    static let refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]

    func run(into repo: OpaquePointer) throws(GitError) -> FetchResult {
        let reader = GitReader(repo: repo, context: context)
        // Reading every tip before the fetch is also a cheap health check of the mirror.
        let before = try reader.refTips()
        var options = git_remote_create_options()
        git_remote_create_options_init(&options, UInt32(GIT_REMOTE_CREATE_OPTIONS_VERSION))
        options.repository = repo
        // An in-memory remote: nothing about the URL (or credentials in it) is written to the
        // mirror's config, and the user's url.*.insteadOf rules do not redirect the daemon.
        options.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF.rawValue | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC.rawValue
        var handle: OpaquePointer?
        let created = git_remote_create_with_opts(&handle, remote.url, &options)
        guard created == 0, let handle else { throw context.failure(created, "fetch", code: .invalidRemote) }
        defer { git_remote_free(handle) }

        let state = FetchCallbackState(credentials: credentials, control: control)
        defer { withExtendedLifetime(state) {} }  // the C callbacks hold it unretained
        let stats = try transfer(handle, repo, Unmanaged.passUnretained(state).toOpaque(), state)
        let after = try reader.refTips()
        return FetchResult(
            updates: FetchResult.changes(before: before, after: after),
            receivedObjects: Int(stats.received_objects), receivedBytes: Int(stats.received_bytes),
            cloned: false, recoveredFrom: nil
        )
    }

    private func transfer(
        _ remote: OpaquePointer, _ repo: OpaquePointer, _ payload: UnsafeMutableRawPointer, _ state: FetchCallbackState
    ) throws(GitError) -> git_indexer_progress {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        FetchCallbackState.install(into: &callbacks, payload: payload)
        var proxy = git_proxy_options()
        git_proxy_options_init(&proxy, UInt32(GIT_PROXY_OPTIONS_VERSION))
        proxy.type = GIT_PROXY_AUTO  // honour http.proxy / https_proxy like git does

        let connected = git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, &proxy, nil)
        guard connected == 0 else { throw failure(connected, .connect, state) }
        defer { git_remote_disconnect(remote) }

        var options = git_fetch_options()
        git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
        options.callbacks = callbacks
        options.proxy_opts = proxy
        options.prune = GIT_FETCH_PRUNE
        options.update_fetchhead = 0
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE  // the refspecs already name every tag
        let downloaded = try withStrArray(Self.refspecs) { specs in git_remote_download(remote, specs, &options) }
        guard downloaded == 0 else { throw failure(downloaded, .transfer, state) }
        let updated = git_remote_update_tips(remote, &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "capstan fetch")
        guard updated == 0 else { throw failure(updated, .transfer, state) }
        // Prune while still connected: it compares our refs with the remote's advertisement.
        let pruned = git_remote_prune(remote, &callbacks)
        guard pruned == 0 else { throw failure(pruned, .transfer, state) }
        Self.followRemoteHead(repo, remote)
        return git_remote_stats(remote).pointee
    }

    /// Our error for a failed call; libgit2's message is read before anything else runs.
    private func failure(_ result: Int32, _ phase: GitPhase, _ state: FetchCallbackState) -> GitError {
        if let refusal = state.refusal { return context.error(.authenticationFailed, "fetch", refusal.message) }
        if control.isCancelled { return context.error(.cancelled, "fetch", "stopped because the caller stopped waiting") }
        return context.failure(result, "fetch", phase: phase)
    }

    /// Points the mirror's HEAD at the remote's default branch, so `resolve("HEAD")` means
    /// what it means on the remote. Best effort: a remote without HEAD leaves ours alone.
    private static func followRemoteHead(_ repo: OpaquePointer, _ remote: OpaquePointer) {
        defer { git_error_clear() }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_remote_default_branch(&buffer, remote) == 0, let pointer = buffer.ptr else { return }
        let branch = String(cString: pointer)
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, repo, branch) == 0 else { return }
        git_reference_free(ref)
        var head: OpaquePointer?
        if git_reference_lookup(&head, repo, "HEAD") == 0, let head {
            defer { git_reference_free(head) }
            if let target = git_reference_symbolic_target(head), String(cString: target) == branch { return }
        }
        _ = git_repository_set_head(repo, branch)
    }
}

/// State the C callbacks of one fetch share, passed as their unretained payload.
final class FetchCallbackState {
    let credentials: GitCredentials
    let control: OperationControl
    /// Set when the credentials callback gave up; explains the failure better than libgit2 can.
    private(set) var refusal: CredentialRefusal?
    private var secretsSent = 0
    private var requests = 0

    init(credentials: GitCredentials, control: OperationControl) {
        self.credentials = credentials
        self.control = control
    }

    /// Non-zero once the caller's deadline passed: progress callbacks return it to abort.
    var abortCode: Int32 { control.isCancelled ? GIT_EUSER.rawValue : 0 }

    static func install(into callbacks: inout git_remote_callbacks, payload: UnsafeMutableRawPointer) {
        callbacks.payload = payload
        callbacks.credentials = { out, _, usernameFromURL, allowed, payload in
            guard let out, let payload else { return GIT_EUSER.rawValue }
            return FetchCallbackState.from(payload).credential(out, usernameFromURL: usernameFromURL.map { String(cString: $0) }, allowed: allowed)
        }
        callbacks.transfer_progress = { _, payload in payload.map { FetchCallbackState.from($0).abortCode } ?? 0 }
        callbacks.sideband_progress = { _, _, payload in payload.map { FetchCallbackState.from($0).abortCode } ?? 0 }
        callbacks.remote_ready = { _, _, payload in payload.map { FetchCallbackState.from($0).abortCode } ?? 0 }
    }

    fileprivate static func from(_ payload: UnsafeMutableRawPointer) -> FetchCallbackState {
        Unmanaged<FetchCallbackState>.fromOpaque(payload).takeUnretainedValue()
    }

    private func credential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, usernameFromURL: String?, allowed: UInt32) -> Int32 {
        if control.isCancelled { return GIT_EUSER.rawValue }
        requests += 1
        let decision = requests > 4
            ? .failure(CredentialRefusal(message: "the remote kept asking for credentials"))
            : CredentialPolicy.choose(
                configured: credentials, allowed: CredentialTypes(rawValue: allowed),
                usernameFromURL: usernameFromURL, secretsAlreadySent: secretsSent
            )
        switch decision {
        case .failure(let refusal):
            // Giving up is what stops libgit2 from asking again forever.
            self.refusal = refusal
            git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), refusal.message)
            return GIT_EAUTH.rawValue
        case .success(let choice):
            if choice.isSecret { secretsSent += 1 }
            switch choice {
            case .username(let name):
                return git_credential_username_new(out, name)
            case .userpass(let username, let password):
                return git_credential_userpass_plaintext_new(out, username, password)
            case .sshKey(let username, let publicKey, let privateKey, let passphrase):
                return git_credential_ssh_key_new(out, username, publicKey, privateKey, passphrase)
            }
        }
    }
}
