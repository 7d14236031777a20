/// Namespace for version information shared by the CLI and stored runs.
public enum Vigil {
    public static let version = "0.1.0"
}

extension Vigil {
    /// The detector names a policy, a suppression or a filter may use.
    public static var detectorNames: [String] { DetectorRegistry.names }
}
