import ArbiterConfig
import ArbiterCore
import Foundation

/// Checks of the files a config points to, beyond their existence: datasets load, rubrics parse.
enum ConfigFileChecks {
    static func check(_ loaded: LoadedConfig) -> [ConfigIssue] {
        []
    }
}
