import Foundation

/// Locates files of this repository from a test, independent of the working directory: walks up from
/// the calling source file (`#filePath`) to the folder that holds `Package.swift`.
public enum RepositoryFiles {
    /// The repository's root folder.
    public static func root(from filePath: String = #filePath) throws(DocumentLoadingError) -> String {
        var folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder.path
            }
            folder = folder.deletingLastPathComponent()
        }
        throw DocumentLoadingError(code: .repositoryNotFound, message: "no Package.swift above \(filePath)")
    }

    /// The absolute path of `relativePath` (e.g. `contracts/asyncapi.yaml`) inside the repository.
    public static func path(_ relativePath: String, from filePath: String = #filePath) throws(DocumentLoadingError) -> String {
        URL(fileURLWithPath: try root(from: filePath)).appendingPathComponent(relativePath).path
    }
}
