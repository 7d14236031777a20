/// Namespace for version information shared by the CLI and stored runs.
public enum Vigil {
    public static let version = "0.1.0"
}
