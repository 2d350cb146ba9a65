import Hummingbird

extension APIError {
    /// 401 with `WWW-Authenticate: Bearer`: no token where one is needed, or one the server does not know.
    public static func unauthorized(_ message: String, invalidToken: Bool) -> APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = invalidToken ? #"Bearer realm="capstan", error="invalid_token""# : #"Bearer realm="capstan""#
        return APIError(status: .unauthorized, code: "unauthorized", message: message, headers: headers)
    }

    /// 503: the tokens file cannot be read, so no token can be checked; the details are in the server log.
    public static func authUnavailable() -> APIError {
        APIError(status: .serviceUnavailable, code: "auth_unavailable",
                 message: "the server cannot read its tokens file, so it accepts no token until that is fixed; "
                    + "see the server log")
    }
}
