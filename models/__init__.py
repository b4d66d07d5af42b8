"""The model runtime: everything that talks to a model. Imports nothing of ours."""
