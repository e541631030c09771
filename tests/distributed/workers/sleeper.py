"""Joins the group, says so, and sleeps: a job for the launcher to be killed under."""
import time

import ember.distributed as dist

dist.init_process_group("gloo")
print(f"ready {dist.get_rank()}", flush=True)
time.sleep(120)
