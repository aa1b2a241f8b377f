// Package chiso holds the domain of chiso ("chỉ số", indicator): the
// statistical indicators that Vietnam's provincial departments report about
// ICT and digital transformation, the administrative areas they are reported
// for, the periods they cover, the observations themselves, the national and
// provincial targets, and the findings that checks return.
//
// The package imports nothing of the project. Behaviour packages (rules,
// checks, alerts) speak these types; adapters (store, ingest, server) turn
// them into rows, files and HTTP.
package chiso
