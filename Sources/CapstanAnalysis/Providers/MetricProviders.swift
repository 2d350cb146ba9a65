public import CapstanCore
import Foundation

/// Builds the analysis providers that the server config names (`analysisProviders`).
public enum MetricProviders {
    /// Why a configured provider could not be built; names the provider and the secret's source, never the secret.
    public struct SetupError: Error, Sendable, Hashable, CustomStringConvertible {
        public var provider: String
        public var message: String

        public init(provider: String, message: String) {
            self.provider = provider
            self.message = message
        }

        public var description: String { "analysis provider \"\(provider)\": \(message)" }
    }

    /// The provider `config` describes. Its credentials, if any, are read once, now, through `secret`
    /// (the server's reader of environment variables and files).
    public static func make(_ config: AnalysisProviderConfig, secret: (SecretSource) throws -> String)
        throws(SetupError) -> any MetricProvider
    {
        switch config.kind {
        case .http:
            return HTTPMetricProvider(timeout: config.timeout)
        case .prometheus:
            guard let text = config.url, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                  scheme == "http" || scheme == "https"
            else {
                throw SetupError(provider: config.name, message: "needs an http:// or https:// url")
            }
            let authorization = try read(config.credentials, of: config.name, secret)
            return PrometheusProvider(url: url, timeout: config.timeout, authorization: authorization)
        }
    }

    /// Every configured provider, by name.
    public static func make(_ configs: [AnalysisProviderConfig], secret: (SecretSource) throws -> String)
        throws(SetupError) -> [String: any MetricProvider]
    {
        var providers: [String: any MetricProvider] = [:]
        for config in configs {
            guard providers[config.name] == nil else {
                throw SetupError(provider: config.name, message: "two providers have this name")
            }
            providers[config.name] = try make(config, secret: secret)
        }
        return providers
    }

    private static func read(_ credentials: ProviderCredentials, of provider: String,
                             _ secret: (SecretSource) throws -> String) throws(SetupError) -> HTTPAuthorization?
    {
        func value(_ source: SecretSource) throws(SetupError) -> String {
            let text: String
            do {
                text = try secret(source)
            } catch {
                throw SetupError(provider: provider, message: "cannot read its credentials: \(error)")
            }
            guard !text.isEmpty else { throw SetupError(provider: provider, message: "the \(source) is empty") }
            return text
        }
        switch credentials {
        case .none: return nil
        case .bearer(let token): return .bearer(try value(token))
        case .basic(let username, let password): return .basic(username: username, password: try value(password))
        }
    }
}
