"""End to end: REINFORCE with a Categorical policy learns a one-step task whose rewarded action depends on the
state (the quadrant of a 2-feature state picks one of 4 actions)."""
import time

import ember
import ember.distributions as D
from ember import nn


def rewarded_action(states):
    return (states[:, 0] > 0).long() * 2 + (states[:, 1] > 0).long()


def test_reinforce_learns_the_rewarded_action():
    start = time.perf_counter()
    ember.manual_seed(0)
    policy = nn.Linear(2, 4)
    optimizer = ember.optim.Adam(policy.parameters(), lr=0.05)
    for _ in range(300):
        states = ember.randn(256, 2)
        dist = D.Categorical(logits=policy(states))
        actions = dist.sample()
        reward = (actions == rewarded_action(states)).float()
        advantage = reward - reward.mean()
        loss = -(dist.log_prob(actions) * advantage).mean() - 0.01 * dist.entropy().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    states = ember.randn(2000, 2)
    with ember.no_grad():
        greedy = D.Categorical(logits=policy(states)).mode
    accuracy = (greedy == rewarded_action(states)).float().mean().item()
    assert accuracy > 0.9, accuracy
    assert time.perf_counter() - start < 20
