# The gateway asks this policy about every call its `tools` list does not
# name: `guard` true means the call waits for a person. It sees the server
# (`input.server`), the tool, its arguments, and the client's own
# description of itself (`input.client`, declared, not verified).
package pausegate.gate

guard if {
	input.tool == "create_directory"
	startswith(input.arguments.path, "/srv/reports/final")
}
