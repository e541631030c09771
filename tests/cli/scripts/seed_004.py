"""Seed 004 ([210122 TIL] Pytorch 필수 노트): tensor arithmetic, choosing the device, and a two-layer network
trained by hand with autograd.

A plain PyTorch script: `python seed_004.py` or `ember run seed_004.py`."""
import torch

torch.manual_seed(0)

# 1.1 tensor operations
tensor1 = torch.tensor([[[1., 2.],
                         [3., 4.]],
                        [[5., 6.],
                         [7., 8.]]])  # torch.randn(2,2,2)
tensor2 = torch.tensor([[[9., 10.],
                         [3., 4.]],
                        [[5., 6.],
                         [7., 8.]]])
# add
print(torch.add(tensor1, tensor2))
# sub
print(torch.sub(tensor1, tensor2))
# mul(element wise)
print(torch.mul(tensor1, tensor2))
# div
print(torch.div(tensor1, tensor2))
# matmul
print(torch.matmul(tensor1, tensor2))

# 1.2 the device
if torch.cuda.is_available():
    DEVICE = torch.device('cuda')
else:
    DEVICE = torch.device('cpu')

# 1.3 tensors for training; the seed leaves out these sizes and the learning rate (the book's values)
batch_size, input_size, hidden_size, output_size = 64, 1000, 100, 10
LR = 1e-6

# x(input), y(output) : requires_grad = False
x = torch.randn(batch_size, input_size,
                device=DEVICE, dtype=torch.float, requires_grad=False)
y = torch.randn(batch_size, output_size,
                device=DEVICE, dtype=torch.float, requires_grad=False)

# w1, w2 (weights) : requires_grad = True -> gradients are computed
w1 = torch.randn(input_size, hidden_size,
                 device=DEVICE, dtype=torch.float, requires_grad=True)
w2 = torch.randn(hidden_size, output_size,
                 device=DEVICE, dtype=torch.float, requires_grad=True)

# 1.4 training iteration
for iters in range(1, 501):  # 500 iterations
    y_pred = x.mm(w1).clamp(min=0).mm(w2)  # w2*(non-linear(w1*x))
    loss = (y_pred - y).pow(2).sum()  # sum of (y_pred - y)^2

    # print the loss every 100 iterations
    if iters % 100 == 0:
        print("Iteration:", iters, "  Loss:", loss.item())

    # backpropagation
    loss.backward()
    # update the parameters, without recording it
    with torch.no_grad():
        w1 -= LR * w1.grad
        w2 -= LR * w2.grad
        # the next loss.backward() computes the gradients afresh
        w1.grad.zero_()
        w2.grad.zero_()

print(w1.requires_grad, w1.grad.abs().sum().item(), loss.grad_fn.name())
print("OK")
