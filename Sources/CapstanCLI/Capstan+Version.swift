public import ArgumentParser
import CapstanGit

extension Capstan {
    /// `capstan version`: prints the version of Capstan and of the libgit2 it links.
    public struct Version: ParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Print the version of Capstan.")

        /// The version of this build.
        public static let current = "0.1.0"

        public init() {}

        public func run() {
            execute(console: .standard())
        }

        /// Prints the version line.
        public func execute(console: Console) {
            console.out("capstan \(Self.current) (libgit2 \(GitLibrary.version))")
        }
    }
}
