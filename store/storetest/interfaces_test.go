package storetest_test

import (
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/setup"
	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/storetest"
)

// A store that passes the suite serves every user of figures, imports, the
// catalogue and alerting: the interfaces they declare are parts of Store.
var (
	_ engine.FigureSource = storetest.Store(nil)
	_ daemon.Data         = storetest.Store(nil)
	_ daemon.AlertStore   = storetest.Store(nil)
	_ alerts.Store        = storetest.Store(nil)
	_ alerts.Outbox       = storetest.Store(nil)
	_ setup.DB            = storetest.Store(nil)
	_ storetest.Store     = (*store.DB)(nil)
)
