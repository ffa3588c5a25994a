// Placeholder: the module's sources land here.
