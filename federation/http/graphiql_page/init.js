// GraphiQL as the gateway serves it: the query-plan pane, the explorer, a token helper, and
// subscriptions over graphql-ws on the GraphQL path. Settings come from the page's data-config
// attribute (the gateway's configuration), so the page needs no inline script.
(function () {
  "use strict";
  var h = React.createElement;
  var config = JSON.parse(document.currentScript.getAttribute("data-config"));
  var editor = GraphiQL.React;

  // -- the latest plan: the fetcher writes it, the plan pane reads it ----------------------------
  var latest = { value: null, listeners: [] };
  function publish(value) {
    latest.value = value;
    latest.listeners.forEach(function (listener) { listener(value); });
  }
  function useLatest() {
    var pair = React.useState(latest.value);
    React.useEffect(function () {
      latest.listeners.push(pair[1]);
      return function () { latest.listeners.splice(latest.listeners.indexOf(pair[1]), 1); };
    }, []);
    return pair[0];
  }
  // ``first``: the answer's first (or only) part, which says whether there is a plan; later parts of
  // a streamed answer (@defer, subscriptions) change the pane only if they carry one.
  function observe(params, result, first) {
    // Multipart answers come as arrays of parts.
    var parts = (Array.isArray(result) ? result : [result]).filter(function (p) { return p && typeof p === "object"; });
    var part = parts.filter(function (p) { return p.extensions && p.extensions.queryPlan; })[0];
    if (!part && !first) return;
    part = part || parts[0] || {};
    var extensions = part.extensions || {};
    publish({ operation: params.operationName || null, plan: extensions.queryPlan || null,
              cost: extensions.cost || null, errors: part.errors || null });
  }

  // -- subscriptions: graphql-transport-ws on the GraphQL path, opened on the first subscription --
  function socketUrl(path) {
    var url = new URL(path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }
  var socketHeaders = {};  // the headers pane's, as of the last run: connection_init's payload
  function subscriptions(url) {
    if (!window.graphqlWs) return undefined;
    // lazy: no socket until a subscription runs; no retries: a refusal is shown, not retried forever.
    var client = graphqlWs.createClient({
      url: url, lazy: true, retryAttempts: 0,
      connectionParams: function () { return socketHeaders; },
    });
    return {
      subscribe: function (payload, sink) {
        return client.subscribe(payload, {
          next: function (value) { sink.next(value); },
          complete: function () { sink.complete(); },
          // Errors answer as a GraphQL result: GraphiQL shows it, and nothing is left unhandled.
          error: function (error) {
            var errors;
            if (Array.isArray(error)) errors = error;  // the server's "error" message: GraphQL errors
            else if (error instanceof Error) errors = [{ message: error.message }];
            else {  // a CloseEvent or a bare Event: the gateway refused or dropped the WebSocket
              var code = error && error.code ? " (close code " + error.code + ")" : "";
              errors = [{ message: "Subscriptions need a WebSocket at " + url + "; the connection was refused" +
                " or closed" + code + "." }];
            }
            sink.next({ errors: errors });
            sink.complete();
          },
        });
      },
      dispose: function () { return client.dispose(); },
      terminate: function () { client.terminate(); },
      on: function (event, listener) { return client.on(event, listener); },
    };
  }

  var planHeaders = config.planHeader ? (function () { var o = {}; o[config.planHeader] = "true"; return o; })() : {};
  var base = GraphiQL.createFetcher({
    url: config.endpoint,
    headers: planHeaders,
    wsClient: subscriptions(socketUrl(config.endpoint)),
  });
  // GraphiQL updates its parsed document and operation name a moment after an edit, so a run right
  // after pasting may carry the previous document's: take both from the text actually sent.
  function current(params, options) {
    var doc;
    try { doc = GraphiQL.GraphQL.parse(params.query); } catch (e) { return [params, options]; }
    var operations = doc.definitions.filter(function (d) { return d.kind === "OperationDefinition"; });
    var named = operations.some(function (d) { return d.name && d.name.value === params.operationName; });
    if (!named && operations.length === 1) {
      var name = operations[0].name ? operations[0].name.value : undefined;
      params = Object.assign({}, params, { operationName: name });
    }
    return [params, Object.assign({}, options, { documentAST: doc })];
  }
  function fetcher(params, options) {
    if (params.operationName === "IntrospectionQuery") return base(params, options);
    var fresh = current(params, options);
    params = fresh[0];
    socketHeaders = Object.assign({}, (options && options.headers) || {});
    var result = base(params, fresh[1]);
    return Promise.resolve(result).then(function (value) {
      if (!value || typeof value[Symbol.asyncIterator] !== "function") {
        observe(params, value, true);
        return value;
      }
      // Streamed answers (incremental delivery, subscriptions): the plan comes with the first part.
      var parts = value[Symbol.asyncIterator]();
      var first = true;
      var watched = {
        next: function () {
          return parts.next().then(function (step) {
            if (!step.done) observe(params, step.value, first);
            first = false;
            return step;
          });
        },
        return: function (v) { return parts.return ? parts.return(v) : Promise.resolve({ done: true, value: v }); },
      };
      watched[Symbol.asyncIterator] = function () { return watched; };
      return watched;
    });
  }

  // -- the plan pane ----------------------------------------------------------------------------
  function icon(path) {
    return function () {
      return h("svg", { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5,
                        "aria-hidden": "true", height: "1em" }, h("path", { d: path }));
    };
  }
  function Fact(props) {
    return h("div", { className: "federation-fact" }, h("dt", null, props.name), h("dd", null, props.value));
  }
  function PlanPane() {
    var seen = useLatest();
    var title = h("div", { className: "federation-pane-title" }, "Query plan");
    if (!config.planHeader) {
      return h("div", { className: "federation-pane" }, title, h("p", null,
        "This gateway does not expose query plans (http.expose_plan is off)."));
    }
    if (seen === null) {
      return h("div", { className: "federation-pane" }, title, h("p", null,
        "Run an operation: its query plan and estimated cost appear here."));
    }
    if (seen.plan === null) {
      var why = seen.errors && seen.errors.length ? seen.errors[0].message : "the gateway sent no plan";
      return h("div", { className: "federation-pane" }, title,
        h("p", null, "No plan for the last request: " + why));
    }
    var plan = seen.plan;
    // Demand control's figures, where it puts them in extensions.cost: the budget and the actual cost.
    var cost = seen.cost;
    var budget = cost && cost.max !== null && cost.max !== undefined ? " of " + cost.max + " (" + cost.mode + ")" : "";
    return h("div", { className: "federation-pane" }, title,
      h("dl", { className: "federation-facts" },
        h(Fact, { name: "Operation", value: seen.operation || "(anonymous)" }),
        h(Fact, { name: "Estimated cost", value: String(plan.estimatedCost) + budget }),
        cost ? h(Fact, { name: "Actual cost", value: String(cost.actual) }) : null,
        h(Fact, { name: "Fetches", value: String(plan.fetches) }),
        h(Fact, { name: "Subgraphs", value: plan.services.join(", ") || "none" })),
      h("pre", { className: "federation-plan", "data-testid": "query-plan" }, plan.text));
  }
  var planPlugin = {
    title: "Query plan",
    icon: icon("M4 5h6v4H4zM14 15h6v4h-6zM14 5h6v4h-6zM7 9v8h7M17 9v6"),
    content: PlanPane,
  };

  // -- the token helper: paste a token, or (development only) have the gateway sign one ----------
  function withToken(headersText, token) {
    var headers = {};
    try { headers = JSON.parse(headersText || "{}") || {}; } catch (e) { headers = {}; }
    if (typeof headers !== "object" || Array.isArray(headers)) headers = {};
    Object.keys(headers).forEach(function (k) { if (k.toLowerCase() === "authorization") delete headers[k]; });
    headers.Authorization = "Bearer " + token;
    return JSON.stringify(headers, null, 2);
  }
  function TokenPane() {
    var context = editor.useEditorContext({ nonNull: true });
    var pasted = React.useState("");
    var scopes = React.useState("");
    var claims = React.useState("");
    var status = React.useState("");
    function use(token) {
      var headerEditor = context.headerEditor;
      if (!headerEditor) { status[1]("The headers editor is not ready yet."); return; }
      headerEditor.setValue(withToken(headerEditor.getValue(), token.trim()));
      status[1]("Authorization header set; it is sent with the next request.");
    }
    function generate(event) {
      event.preventDefault();
      var body = { scopes: scopes[0].split(/[\s,]+/).filter(Boolean) };
      if (claims[0].trim()) {
        try { body.claims = JSON.parse(claims[0]); } catch (e) { status[1]("Claims must be a JSON object."); return; }
      }
      fetch(config.tokenUrl, { method: "POST", headers: { "content-type": "application/json" },
                               body: JSON.stringify(body) })
        .then(function (r) {
          if (r.status === 404) throw new Error("this gateway signs development tokens for local clients only");
          return r.json();
        })
        .then(function (answer) {
          if (answer.token) use(answer.token);
          else status[1]((answer.errors && answer.errors[0].message) || "No token came back.");
        })
        .catch(function (e) { status[1]("Could not get a token: " + e.message); });
    }
    var parts = [h("div", { className: "federation-pane-title", key: "t" }, "Token"),
      h("form", { key: "p", onSubmit: function (e) { e.preventDefault(); if (pasted[0].trim()) use(pasted[0]); } },
        h("label", { htmlFor: "federation-token" }, "Paste a token"),
        h("textarea", { id: "federation-token", rows: 4, value: pasted[0], placeholder: "eyJ...",
                        onChange: function (e) { pasted[1](e.target.value); } }),
        h("button", { type: "submit", className: "graphiql-button" }, "Use in headers"))];
    if (config.tokenUrl) {
      parts.push(h("form", { key: "g", onSubmit: generate },
        h("label", { htmlFor: "federation-scopes" }, "Or generate a development token"),
        h("input", { id: "federation-scopes", value: scopes[0], placeholder: "scopes, e.g. read:inventory",
                     onChange: function (e) { scopes[1](e.target.value); } }),
        h("input", { id: "federation-claims", value: claims[0], placeholder: "claims, e.g. {\"roles\": [\"owner\"]}",
                     onChange: function (e) { claims[1](e.target.value); } }),
        h("button", { type: "submit", className: "graphiql-button" }, "Generate")));
    }
    parts.push(h("p", { key: "s", className: "federation-status", role: "status" }, status[0]));
    return h("div", { className: "federation-pane" }, parts);
  }
  var tokenPlugin = {
    title: "Token",
    icon: icon("M15 7a3 3 0 1 1-3 3M12 10l-8 8v2h3v-2h2v-2h2l1-1"),
    content: TokenPane,
  };

  var plugins = [planPlugin];
  if (window.GraphiQLPluginExplorer) plugins.push(GraphiQLPluginExplorer.explorerPlugin());
  plugins.push(tokenPlugin);

  var props = {
    fetcher: fetcher,
    plugins: plugins,
    isHeadersEditorEnabled: true,
    defaultHeaders: "",
    shouldPersistHeaders: false,
  };
  if (config.planHeader) props.visiblePlugin = planPlugin;
  if (config.defaultQuery) props.defaultQuery = config.defaultQuery;
  // The sidebar opens wide enough to read a plan, until the user drags it (GraphiQL then keeps theirs).
  try {
    if (config.planHeader && window.localStorage.getItem("graphiql:docExplorerFlex") === null) {
      window.localStorage.setItem("graphiql:docExplorerFlex", "0.5");
    }
  } catch (e) { /* storage off: GraphiQL's default width */ }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(h(GraphiQL, props));
})();
