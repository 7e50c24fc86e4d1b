package catalog

// TagSpace is the learned genre space. (Placeholder: implemented by the
// catalog work; see docs/architecture.md.)
type TagSpace struct{}
