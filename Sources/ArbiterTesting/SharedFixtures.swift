import Foundation

/// Locates the project's `../shared/` folder (reference data, golden values) for tests.
///
/// Tests that need it call ``SharedFixtures/directory(_:)`` and skip with the returned reason
/// when it is absent (a user's clone), never passing silently.
public enum SharedFixtures {
    /// The package root, derived from this source file's location.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// `../shared/<sub>` beside the package root, or nil when absent.
    public static func directory(_ sub: String) -> URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(sub)
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue ? url : nil
    }

    /// Whether `../shared/<sub>` exists; prints why a test is skipped when it does not.
    public static func available(_ sub: String) -> Bool {
        if directory(sub) != nil { return true }
        print("SKIP: ../shared/\(sub) is absent beside the project root; tests on the shared reference data are skipped")
        return false
    }
}
