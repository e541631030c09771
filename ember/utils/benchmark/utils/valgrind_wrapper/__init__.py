"""The Callgrind side of torch.utils.benchmark: its result types, and CopyIfCallgrind for globals."""
