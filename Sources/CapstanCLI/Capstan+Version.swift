public import ArgumentParser

extension Capstan {
    /// `capstan version`: prints the version of Capstan.
    public struct Version: ParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Print the version of Capstan.")

        /// The version of this build.
        public static let current = "0.1.0"

        public init() {}

        public func run() {
            print("capstan \(Self.current)")
        }
    }
}
