/// Namespace for version information shared by the CLI and stored runs.
package enum Vigil {
    package static let version = "0.1.0"
}
