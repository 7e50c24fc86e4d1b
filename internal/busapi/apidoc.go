package busapi

// docs/api.md is rendered from IntrospectXML by cmd/mkapidoc (package
// apidoc); TestAPIDocIsCurrent fails when the checked-in file is stale.
//go:generate go run ./cmd/mkapidoc -out ../../docs/api.md

const (
	// ContractSource is where the contract lives in the repository.
	ContractSource = "internal/busapi/org.continuo.Recommender1.xml"
	// RegenerateAPIDoc is the command that rewrites docs/api.md.
	RegenerateAPIDoc = "make api-doc"
	// APIDocPath is the generated reference, relative to the repository root.
	APIDocPath = "docs/api.md"
)
