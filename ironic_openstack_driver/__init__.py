"""Ironic hardware type that drives Nova instances as bare-metal nodes."""
