import Foundation

/// JSON helpers shared by the numerics tools: decoding with readable errors, and writing
/// doubles in their shortest round-trip form (Swift's `description`), so every value read
/// back parses to the identical `Double`.
enum NumericsJSON {
    /// Decodes `T` from JSON, turning decoding errors into ``NumericsError`` with a field path.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw describe(error)
        } catch let error as NumericsError {
            throw error
        } catch {
            throw NumericsError(.invalidInput, "malformed JSON: \(error)")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String? {
        guard !codingPath.isEmpty else { return nil }
        var s = ""
        for key in codingPath {
            if let i = key.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + key.stringValue }
        }
        return s
    }

    static func describe(_ error: DecodingError) -> NumericsError {
        switch error {
        case .keyNotFound(let key, let ctx):
            var p = ctx.codingPath
            p.append(key)
            return NumericsError(.invalidInput, "required field is missing", context: path(p))
        case .typeMismatch(let type, let ctx):
            return NumericsError(.invalidInput, "expected \(type): \(ctx.debugDescription)", context: path(ctx.codingPath))
        case .valueNotFound(let type, let ctx):
            return NumericsError(.invalidInput, "expected \(type), found null", context: path(ctx.codingPath))
        case .dataCorrupted(let ctx):
            let underlying = (ctx.underlyingError.map { " (\($0))" }) ?? ""
            return NumericsError(.invalidInput, "malformed JSON: \(ctx.debugDescription)\(underlying)", context: path(ctx.codingPath))
        @unknown default:
            return NumericsError(.invalidInput, "malformed JSON: \(error)")
        }
    }

    /// Appends `x` in shortest round-trip form; throws for NaN and infinities, which JSON cannot carry.
    static func append(_ x: Double, to out: inout String, field: String) throws {
        guard x.isFinite else {
            throw NumericsError(.invalidInput, "result is \(x), which JSON cannot represent", context: field)
        }
        out += x.description
    }
}
