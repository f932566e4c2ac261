import AsyncHTTPClient

/// How an HTTP answer or failure maps to an outcome, for the SMS gateway and webhook receivers alike.
enum HTTPStatusOutcome {
    /// 2xx sent, 408/429/5xx retry, other 4xx (and 3xx: we do not follow redirects) permanent.
    static func outcome(status: UInt, gatewayID: String?, body: String) -> SendOutcome {
        switch status {
        case 200..<300: return .sent(gatewayID: gatewayID)
        case 408, 425, 429, 500..<600: return .retry(reason: "HTTP \(status)")
        default:
            let detail = body.isEmpty ? "" : ": " + String(body.prefix(200))
            return .permanent(reason: "HTTP \(status)\(detail)")
        }
    }

    /// A transport failure (timeout, refused connection, reset) is always worth another attempt.
    static func outcome(error: any Error) -> SendOutcome {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .retry(reason: "timeout")
        }
        return .retry(reason: "connection failed: \(type(of: error))")
    }
}
