"""The request road: one module per stage, and ``road.run`` listing them in order.

    authenticate -> rate_limit -> document -> authorize -> plan -> variables -> cost -> execute -> respond
    (-> explain: the plan in extensions, on request in development)

``state`` holds what one supergraph's serving needs (built off the event loop on reload). The
stages call into ``federation.policies`` (what each policy decides), ``federation.operation``,
``federation.planner`` and ``federation.execution``; none of those knows about the others' order.
"""
