# A pausegate policy: small loads go ahead on their own, production loads
# from requesters nobody knows are refused, and people decide the rest
# (two of them). Try it: pausegate policy test examples/policies/small_loads.rego --input pause.json
package pausegate

known_requesters := {"deployer"}

decision := {"outcome": "reject", "reason": "production loads from unknown requesters are refused"} if {
	input.data.env == "prod"
	not known_requesters[input.requester]
} else := {"outcome": "approve", "reason": sprintf("%d rows is a small load", [input.data.rows])} if {
	input.data.rows < 1000
} else := {"outcome": "ask", "reason": "a large load: two people decide", "approvals_required": 2}
