import ArbiterStore
import Foundation
import Hummingbird
import Logging

/// Turns every failure into an error page: 404 for an unknown run, rollout, group or path,
/// 400 for bad input, 500 (with the error text, escaped) for anything else, store errors included.
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, title, message) = Self.classify(error, path: request.uri.path)
            if status == .internalServerError {
                logger.error("dashboard request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            let body = "<p class=\"bad\">\(HTML.escape(message))</p>\n<p><a href=\"/\">All runs</a></p>\n"
            return DashboardServer.html(HTML.page(title: title, body: body), status: status)
        }
    }

    /// The status, page title and message for an error.
    static func classify(_ error: any Error, path: String) -> (HTTPResponse.Status, String, String) {
        switch error {
        case let e as ServerError where e.code == .notFound:
            return (.notFound, "Not found", e.message)
        case let e as ServerError where e.code == .invalidInput:
            return (.badRequest, "Bad request", e.message)
        case let e as StoreError where e.code == .notFound:
            return (.notFound, "Not found", e.message)
        case let e as HTTPError where e.status == .notFound:
            return (.notFound, "Not found", "Nothing here: \(path.removingPercentEncodingOrSelf)")
        case let e as HTTPError:
            return (e.status, "Error \(e.status.code)", e.body ?? e.status.reasonPhrase)
        case let e as StoreError:
            return (.internalServerError, "Store error", "The reward log failed: \(e.description)")
        default:
            return (.internalServerError, "Server error", String(describing: error))
        }
    }
}

extension String {
    fileprivate var removingPercentEncodingOrSelf: String { removingPercentEncoding ?? self }
}
