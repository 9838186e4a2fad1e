package exportui

// syncKeys enables the keys that apply to the current state.
func (m *model) syncKeys() { m.keys.Sync(m.end == nil, true) }
