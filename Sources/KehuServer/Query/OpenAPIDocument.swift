import KehuAnalytics

/// The OpenAPI 3.1 document served at `/openapi.json`, built from the routes and the analysis
/// catalogue (one path per analysis, with its parameters, types and defaults). A test keeps it
/// in sync with the router: every route is documented and every documented path is served.
enum OpenAPIDocument {
    static func build() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        let errorResponses: [String: JSONValue] = [
            "400": ref("#/components/responses/BadRequest"),
            "401": ref("#/components/responses/Unauthorized"),
            "403": ref("#/components/responses/Forbidden"),
        ]
        paths["/health"] = .object([
            "get": operation(
                "health", summary: "Liveness check; needs no key.", security: .array([]),
                responses: ["200": jsonResponse("The server is up.", schema: .object(["type": .s("object")]))])
        ])
        paths["/openapi.json"] = .object([
            "get": operation(
                "openapi", summary: "This document.", responses: ["200": jsonResponse("OpenAPI 3.1 document.", schema: .object(["type": .s("object")]))]
                    .merging(errorResponses) { a, _ in a })
        ])
        let ingestionSecurity: JSONValue = .array([.object(["basicAuth": .array([])]), .object(["bearerAuth": .array([])])])
        let ingestResponses: [String: JSONValue] = [
            "200": jsonResponse("Stored: acknowledged after the inbox commit.", schema: ref("#/components/schemas/IngestionReceipt")),
            "413": ref("#/components/responses/PayloadTooLarge"),
        ].merging(errorResponses) { a, _ in a }
        paths["/v1/batch"] = .object([
            "post": operation(
                "batch", summary: "Segment batch: up to 2,500 messages, at most 500 KB; all or nothing. Needs a write key.",
                security: ingestionSecurity, requestBody: ref("#/components/schemas/Batch", wrapBody: true), responses: ingestResponses)
        ])
        for type in IngestionRoutes.singleMessageTypes {
            paths["/v1/\(type)"] = .object([
                "post": operation(
                    type, summary: "One Segment \(type) message. Needs a write key.", security: ingestionSecurity,
                    requestBody: ref("#/components/schemas/Message", wrapBody: true), responses: ingestResponses)
            ])
        }
        paths["/v1/analyses"] = .object([
            "get": operation(
                "listAnalyses", summary: "The analyses and their parameters.",
                responses: ["200": jsonResponse("The catalogue.", schema: .object(["type": .s("object")]))].merging(errorResponses) { a, _ in a })
        ])
        for analysis in ServerCatalogue.all {
            paths["/v1/analyses/\(analysis.name)"] = .object([
                "get": operation(
                    "analysis-\(analysis.name)", summary: analysis.title, description: analysis.summary,
                    parameters: analysis.parameters.map(parameter),
                    responses: [
                        "200": jsonResponse(
                            "The report: its fields plus analysis, title and parameters.", schema: ref("#/components/schemas/Report")),
                        "404": ref("#/components/responses/NotFound"),
                    ].merging(errorResponses) { a, _ in a })
            ])
        }
        planningPaths(into: &paths, errorResponses: errorResponses)
        activationPaths(into: &paths, errorResponses: errorResponses)
        // Members (docs/members.md).
        let keyParameter: JSONValue = .object([
            "name": .s("key"), "in": .s("path"), "required": .bool(true),
            "description": .s("The member's key, type:value (member:1001) or the bare member number; percent-encode it."),
            "schema": .object(["type": .s("string")]),
        ])
        let memberNotFound: [String: JSONValue] = ["404": ref("#/components/responses/NotFound")]
        paths["/v1/members/report"] = .object([
            "get": operation(
                "memberReport", summary: "招育转留赞: members recruited, nurtured, converted, retained, churned and advocating in a period.",
                parameters: [
                    .object(["name": .s("from"), "in": .s("query"), "required": .bool(false), "description": .s("First day (default: 29 days before to)."), "schema": .object(["type": .s("string"), "format": .s("date")])]),
                    .object(["name": .s("to"), "in": .s("query"), "required": .bool(false), "description": .s("Last day (default: the last day with data)."), "schema": .object(["type": .s("string"), "format": .s("date")])]),
                    .object(["name": .s("lapse-days"), "in": .s("query"), "required": .bool(false), "description": .s("Days without a purchase after which a member has lapsed."), "schema": .object(["type": .s("integer"), "default": .int(180)])]),
                ],
                responses: ["200": jsonResponse("The report: its fields plus title and parameters.", schema: ref("#/components/schemas/MemberReport"))]
                    .merging(errorResponses) { a, _ in a })
        ])
        paths["/v1/members/{key}"] = .object([
            "get": operation(
                "member", summary: "One member: tier, benefits, balance, points by expiry, ledger and tier history.", parameters: [keyParameter],
                responses: ["200": jsonResponse("The member.", schema: .object(["type": .s("object")]))]
                    .merging(errorResponses) { a, _ in a }.merging(memberNotFound) { a, _ in a })
        ])
        paths["/v1/members/{key}/points"] = .object([
            "post": operation(
                "memberPoints", summary: "Post a points operation (earn, redeem, adjust), idempotent by operation_id. Needs a write key.",
                parameters: [keyParameter], requestBody: ref("#/components/schemas/PointsOperation", wrapBody: true),
                responses: [
                    "201": jsonResponse("Posted.", schema: ref("#/components/schemas/PostResult")),
                    "200": jsonResponse("Replayed: the operation_id was posted before with the same content; nothing new posted.", schema: ref("#/components/schemas/PostResult")),
                    "409": jsonResponse(
                        "Refused, nothing posted: operation_conflict (the operation_id was used for other content), insufficient_points (the balance would go negative), member_left or no_programme.",
                        schema: ref("#/components/schemas/Error")),
                ].merging(errorResponses) { a, _ in a }.merging(memberNotFound) { a, _ in a })
        ])
        // The dashboard: HTML pages behind a session cookie that a key signs in to.
        let html: JSONValue = .object(["description": .s("An HTML page."), "content": .object(["text/html": .object(["schema": .object(["type": .s("string")])])])])
        let redirect: JSONValue = .object(["description": .s("Redirect (See Other).")])
        let cookie: JSONValue = .array([.object(["sessionCookie": .array([])]), .object([:])])
        let query = { (name: String, description: String) -> JSONValue in
            .object(["name": .s(name), "in": .s("query"), "required": .bool(false), "description": .s(description), "schema": .object(["type": .s("string")])])
        }
        let pageParameters = [
            query("lang", "zh (default) or en."), query("as-of", "The as-of day, YYYY-MM-DD (default: the last day with data)."),
            query("from", "First day of the period (default: 30 days ending `to`)."), query("to", "Last day of the period (default: the as-of day)."),
        ]
        paths["/"] = .object([
            "get": operation(
                "dashboard", summary: "Dashboard: the sign-in form, or the overview when signed in.", security: cookie, parameters: pageParameters,
                responses: ["200": html, "400": html])
        ])
        for page in DashboardPage.allCases where page != .overview {
            paths[page.path] = .object([
                "get": operation(
                    "dashboard-\(page.rawValue)", summary: "Dashboard page: \(page.title(.en)) (docs/dashboard.md has its own parameters).",
                    security: cookie, parameters: pageParameters, responses: ["200": html, "303": redirect, "400": html])
            ])
        }
        paths["/session/link"] = .object([
            "get": operation(
                "signInLink", summary: "A single-use sign-in link minted by the server's process: sets the session cookie and redirects to `next`.",
                security: .array([]),
                parameters: [query("token", "The single-use token (32 hex digits)."), query("next", "A path on this server to land on (default /).")],
                responses: ["303": redirect, "401": html])
        ])
        paths["/analyses/{name}"] = .object([
            "get": operation(
                "dashboardAnalysis", summary: "Dashboard: one analysis as HTML tables, with a form for its parameters.", security: cookie,
                parameters: [.object(["name": .s("name"), "in": .s("path"), "required": .bool(true), "schema": .object(["type": .s("string"), "enum": .array(ServerCatalogue.all.map { .s($0.name) })])])],
                responses: ["200": html, "303": redirect, "400": html, "404": html])
        ])
        paths["/session"] = .object([
            "post": operation(
                "signIn", summary: "Sign in with a read or write key (form field `key`); sets the HttpOnly session cookie.", security: .array([]),
                requestBody: .object(["content": .object(["application/x-www-form-urlencoded": .object(["schema": .object(["type": .s("object"), "properties": .object(["key": .object(["type": .s("string")])])])])])]),
                responses: ["303": redirect, "401": html])
        ])
        paths["/session/end"] = .object([
            "post": operation("signOut", summary: "Sign out: ends the session and clears the cookie.", security: .array([]), responses: ["303": redirect])
        ])
        return .object([
            "openapi": .s("3.1.0"),
            "info": .object([
                "title": .s("Kehu API"),
                "version": .s("1"),
                "description": .s("Segment-compatible ingestion and the analyses of Kehu (客户). See docs/api.md."),
            ]),
            "security": .array([.object(["bearerAuth": .array([])]), .object(["basicAuth": .array([])])]),
            "paths": .object(paths),
            "components": components(),
        ])
    }

    /// `/v1/plans` and `/v1/campaigns` (``PlanningRoutes``).
    static func planningPaths(into paths: inout [String: JSONValue], errorResponses: [String: JSONValue]) {
        let object: JSONValue = .object(["type": .s("object")])
        let nameParameter: JSONValue = .object([
            "name": .s("name"), "in": .s("path"), "required": .bool(true), "schema": .object(["type": .s("string")]),
            "description": .s("The name it was saved under (percent-encoded in the URL)."),
        ])
        let planParameters = ServerCatalogue.all.first { $0.name == "plan-gap" }?.parameters ?? []
        var planProperties: [String: JSONValue] = ["name": .object(["type": .s("string"), "maxLength": .int(64)])]
        for planParameter in planParameters {
            var schema = Self.parameter(planParameter)["schema"] ?? object
            if case .object(var members) = schema {
                members["description"] = .s(planParameter.help)
                schema = .object(members)
            }
            planProperties[planParameter.name] = schema
        }
        for group in ["costs", "capacity"] {
            planProperties[group] = .object([
                "description": .s("A=2.50,I=4 as a string, or an object of stage → amount such as {\"A\": 2.5, \"I\": 4}."),
                "oneOf": .array([.object(["type": .s("string")]), object]),
            ])
        }
        let planBody: JSONValue = .object([
            "required": .bool(true),
            "content": .object(["application/json": .object(["schema": .object([
                "type": .s("object"), "required": .array([.s("name"), .s("target"), .s("campaign")]),
                "properties": .object(planProperties), "additionalProperties": .bool(false),
            ])])]),
        ])
        let campaignBody: JSONValue = .object([
            "required": .bool(true),
            "content": .object(["application/json": .object(["schema": .object([
                "type": .s("object"), "required": .array([.s("name"), .s("harvest")]), "additionalProperties": .bool(false),
                "properties": .object([
                    "name": .object(["type": .s("string"), "maxLength": .int(64)]),
                    "harvest": .object(["type": .s("string"), "pattern": .s("^\\d{4}-\\d{2}-\\d{2}\\.\\.\\d{4}-\\d{2}-\\d{2}$"), "description": .s("The campaign (拔草 harvest) days.")]),
                    "seeding-days": .object(["type": .s("integer"), "default": .int(30), "description": .s("种草 seeding starts this many days before the harvest.")]),
                    "growing-days": .object(["type": .s("integer"), "default": .int(15), "description": .s("长草 growing starts this many days before the harvest.")]),
                    "nurture-days": .object(["type": .s("integer"), "default": .int(15), "description": .s("养草 nurturing lasts this many days after the harvest.")]),
                    "plan": .object(["type": .s("string"), "description": .s("A saved plan to compare with (default: the latest plan for the harvest days).")]),
                ]),
            ])])]),
        ])
        let notFound: [String: JSONValue] = ["404": ref("#/components/responses/NotFound")]
        let plan = ref("#/components/schemas/SavedPlan")
        paths["/v1/plans"] = .object([
            "post": operation(
                "savePlan", summary: "Run the GMV gap deduction (plan-gap) on the current data and save it under a name. Needs a write key.",
                requestBody: planBody,
                responses: ["201": jsonResponse("The saved plan.", schema: plan)].merging(errorResponses) { a, _ in a }),
            "get": operation(
                "listPlans", summary: "The saved plans (the latest under each name).",
                responses: ["200": jsonResponse("{\"plans\": [...]}", schema: object)].merging(errorResponses) { a, _ in a }),
        ])
        paths["/v1/plans/{name}"] = .object([
            "get": operation(
                "getPlan", summary: "A saved plan: the plan-gap report as it was when saved.", parameters: [nameParameter],
                responses: ["200": jsonResponse("The saved plan.", schema: plan)].merging(errorResponses) { a, _ in a }.merging(notFound) { a, _ in a })
        ])
        paths["/v1/campaigns"] = .object([
            "post": operation(
                "defineCampaign", summary: "Define (or redefine) a campaign by its harvest days and rhythm. Needs a write key.",
                requestBody: campaignBody,
                responses: ["201": jsonResponse("The campaign with the days of each phase.", schema: ref("#/components/schemas/Campaign"))]
                    .merging(errorResponses) { a, _ in a }),
            "get": operation(
                "listCampaigns", summary: "The defined campaigns, by harvest start.",
                responses: ["200": jsonResponse("{\"campaigns\": [...]}", schema: object)].merging(errorResponses) { a, _ in a }),
        ])
        paths["/v1/campaigns/{name}/report"] = .object([
            "get": operation(
                "campaignReport",
                summary: "Per phase (种草 / 长草 / 拔草 / 养草): AIPL at its boundaries and the flows, reach by channel, buyers and GMV; the saved plan against the harvest.",
                parameters: [nameParameter],
                responses: ["200": jsonResponse("The campaign report.", schema: ref("#/components/schemas/Report"))]
                    .merging(errorResponses) { a, _ in a }.merging(notFound) { a, _ in a })
        ])
    }

    static func ref(_ target: String, wrapBody: Bool = false) -> JSONValue {
        let reference: JSONValue = .object(["$ref": .s(target)])
        guard wrapBody else { return reference }
        return .object(["required": .bool(true), "content": .object(["application/json": .object(["schema": reference])])])
    }

    static func jsonResponse(_ description: String, schema: JSONValue) -> JSONValue {
        .object(["description": .s(description), "content": .object(["application/json": .object(["schema": schema])])])
    }

    static func operation(
        _ id: String, summary: String, description: String? = nil, security: JSONValue? = nil, parameters: [JSONValue] = [],
        requestBody: JSONValue? = nil, responses: [String: JSONValue]
    ) -> JSONValue {
        var members: [String: JSONValue] = ["operationId": .s(id), "summary": .s(summary), "responses": .object(responses)]
        if let description { members["description"] = .s(description) }
        if let security { members["security"] = security }
        if !parameters.isEmpty { members["parameters"] = .array(parameters) }
        if let requestBody { members["requestBody"] = requestBody }
        return .object(members)
    }

    /// A query parameter with its JSON Schema type and default.
    static func parameter(_ parameter: AnalysisParameter) -> JSONValue {
        var schema: [String: JSONValue]
        switch parameter.kind {
        case .day: schema = ["type": .s("string"), "format": .s("date")]
        case .dayRange: schema = ["type": .s("string"), "pattern": .s("^\\d{4}-\\d{2}-\\d{2}\\.\\.\\d{4}-\\d{2}-\\d{2}$")]
        case .integer: schema = ["type": .s("integer")]
        case .number: schema = ["type": .s("number")]
        case .duration: schema = ["type": .s("string"), "pattern": .s("^\\d+[dhm]?$")]
        case .choice: schema = ["type": .s("string")]
        case .list: schema = ["type": .s("string"), "description": .s("comma-separated values")]
        case .string: schema = ["type": .s("string")]
        case .boolean: schema = ["type": .s("boolean")]
        case .file: schema = ["type": .s("string"), "description": .s("the name of a file in the workspace's files/ folder")]
        }
        if let choices = parameter.choices { schema["enum"] = .array(choices.map(JSONValue.s)) }
        if let value = parameter.defaultValue {
            switch parameter.kind {
            case .integer where Int(value) != nil: schema["default"] = .number(value)
            case .number where Double(value) != nil: schema["default"] = .number(value)
            case .boolean where value == "true" || value == "false": schema["default"] = .bool(value == "true")
            default: schema["default"] = .s(value)
            }
        }
        return .object([
            "name": .s(parameter.name), "in": .s("query"), "required": .bool(false), "description": .s(parameter.help),
            "schema": .object(schema),
        ])
    }

    static func components() -> JSONValue {
        let error: JSONValue = .object([
            "type": .s("object"),
            "properties": .object([
                "success": .object(["type": .s("boolean"), "const": .bool(false)]),
                "code": .object(["type": .s("string"), "description": .s("As error.code, where the Segment SDKs read it.")]),
                "message": .object(["type": .s("string"), "description": .s("As error.message.")]),
                "column": .object(["type": .s("integer"), "description": .s("bad_expression only: the 1-based column (in characters) of the mistake.")]),
                "error": .object([
                    "type": .s("object"),
                    "properties": .object(["code": .object(["type": .s("string")]), "message": .object(["type": .s("string")])]),
                ]),
            ]),
        ])
        func errorResponse(_ description: String) -> JSONValue {
            jsonResponse(description, schema: ref("#/components/schemas/Error"))
        }
        let string: JSONValue = .object(["type": .s("string")])
        let object: JSONValue = .object(["type": .s("object")])
        let message: JSONValue = .object([
            "type": .s("object"),
            "description": .s("A Segment message; docs/api.md maps each field."),
            "properties": .object([
                "type": .object(["type": .s("string"), "enum": .array(["track", "page", "screen", "identify", "alias", "group"].map(JSONValue.s))]),
                "event": string, "messageId": string, "userId": string, "anonymousId": string,
                "timestamp": .object(["type": .s("string"), "format": .s("date-time")]),
                "properties": object, "context": object, "traits": object,
            ]),
        ])
        return .object([
            "securitySchemes": .object([
                "basicAuth": .object(["type": .s("http"), "scheme": .s("basic"), "description": .s("The API key as the user name, empty password (Segment write key).")]),
                "bearerAuth": .object(["type": .s("http"), "scheme": .s("bearer"), "description": .s("Authorization: Bearer kh_WORKSPACE_SECRET")]),
                "sessionCookie": .object(["type": .s("apiKey"), "in": .s("cookie"), "name": .s(SessionStore.cookieName), "description": .s("Set by POST /session.")]),
            ]),
            "schemas": .object(activationSchemas().merging([
                "Error": error,
                "Message": message,
                "Batch": .object([
                    "type": .s("object"), "required": .array([.s("batch")]),
                    "properties": .object([
                        "batch": .object(["type": .s("array"), "maxItems": .int(ServerLimits.default.maxBatchLength), "items": ref("#/components/schemas/Message")]),
                        "context": object,
                    ]),
                ]),
                "SavedPlan": .object([
                    "type": .s("object"), "required": .array([.s("name"), .s("savedAt"), .s("plan")]),
                    "properties": .object(["name": string, "savedAt": .object(["type": .s("string"), "format": .s("date-time")]), "plan": ref("#/components/schemas/Report")]),
                ]),
                "Campaign": .object([
                    "type": .s("object"),
                    "properties": .object([
                        "name": string, "harvest": string, "seedingDays": .object(["type": .s("integer")]),
                        "growingDays": .object(["type": .s("integer")]), "nurtureDays": .object(["type": .s("integer")]),
                        "plan": .object(["type": .array([.s("string"), .s("null")])]),
                        "phases": .object(["type": .s("array"), "items": .object(["type": .s("object"), "properties": .object(["phase": string, "chineseName": string, "days": string])])]),
                        "report": string,
                    ]),
                ]),
                "IngestionReceipt": .object([
                    "type": .s("object"),
                    "properties": .object([
                        "success": .object(["type": .s("boolean")]), "stored": .object(["type": .s("integer")]),
                        "linked": .object(["type": .s("integer"), "description": .s("identify and alias messages queued for linking")]),
                        "ignored": .object(["type": .s("array"), "items": object]),
                    ]),
                ]),
                "PointsOperation": .object([
                    "type": .s("object"), "required": .array([.s("operation_id"), .s("kind"), .s("points")]),
                    "properties": .object([
                        "operation_id": .object(["type": .s("string"), "maxLength": .int(128), "description": .s("Unique per operation; a retry with the same id is safe. Ids starting earn:, refund: or expire: are reserved.")]),
                        "kind": .object(["type": .s("string"), "enum": .array([.s("earn"), .s("redeem"), .s("adjust")])]),
                        "points": .object(["type": .s("integer"), "description": .s("earn and redeem: a positive number; adjust: signed, not 0.")]),
                        "reason": string,
                    ]),
                ]),
                "PostResult": .object([
                    "type": .s("object"),
                    "properties": .object([
                        "entry": object, "replayed": .object(["type": .s("boolean")]),
                        "expired": .object(["type": .s("array"), "items": object, "description": .s("Expired points posted before the debit.")]),
                    ]),
                ]),
                "MemberReport": .object([
                    "type": .s("object"),
                    "properties": .object([
                        "title": string, "from": string, "to": string, "recruited": .object(["type": .s("integer")]),
                        "nurtured": .object(["type": .s("integer")]), "converted": .object(["type": .s("integer")]),
                        "repeatBuyers": .object(["type": .s("integer")]), "churnedLeft": .object(["type": .s("integer")]),
                        "churnedLapsed": .object(["type": .s("integer")]), "referrals": .object(["type": .s("integer")]),
                        "sharers": .object(["type": .s("integer")]), "shares": .object(["type": .s("integer")]),
                    ]),
                    "additionalProperties": .bool(true),
                ]),
                "Report": .object([
                    "type": .s("object"), "required": .array([.s("analysis"), .s("title"), .s("parameters")]),
                    "properties": .object([
                        "analysis": string, "title": string,
                        "parameters": .object([
                            "type": .s("array"),
                            "items": .object(["type": .s("object"), "properties": .object(["name": string, "value": string])]),
                        ]),
                    ]),
                    "additionalProperties": .bool(true),
                ]),
            ]) { a, _ in a }),
            "responses": .object([
                "BadRequest": errorResponse("A field or parameter is wrong; the message names it."),
                "Unauthorized": errorResponse("No valid API key."),
                "Forbidden": errorResponse("The key's role does not allow this (e.g. a read key on ingestion)."),
                "NotFound": errorResponse("No such analysis, plan, campaign, member, tag, audience or reach plan; the message lists the names there are."),
                "PayloadTooLarge": errorResponse("The body is larger than 500 KB."),
            ]),
        ])
    }
}
