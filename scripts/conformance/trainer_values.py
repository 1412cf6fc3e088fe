"""The trainer-side values the judge uses wherever a config says "auto".

DeepSpeed itself refuses "auto"; HF Trainer (HfTrainerDeepSpeedConfig) and Accelerate (DeepSpeedPlugin and
Accelerator._prepare_deepspeed) replace it with values of the training program: its dataloader's batch size,
its accumulation steps, its optimizer's arguments, the model's hidden size. The judge stands for one fixed
program, chosen to be the program zlaunch's "auto" rules describe (docs/config.md section 3), so that an
"auto" that both sides fill the same way compares equal:

- per-device batch 8: HF TrainingArguments' per_device_train_batch_size default, and zlaunch's micro batch
  when no batch size is known;
- accumulation 1: TrainingArguments' and Accelerator's default;
- gradient clipping 1.0: TrainingArguments' max_grad_norm, Accelerate's fill, zlaunch's trainer default;
- optimizer lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0: zlaunch's trainer defaults, and
  Accelerate's DummyOptim defaults (lr 1e-3, weight decay 0);
- hidden size 128: zlaunch's default model `small`, for the hidden-size bucket rules;
- 1000 training steps, no warmup (HF fills warmup_num_steps with max(1, warmup) = 1).
A client optimizer (a config without an "optimizer" block) is the trainer's: HF Trainer's default
optim is torch AdamW with weight decay 0.
"""

MICRO_BATCH = 8
ACCUMULATION = 1
GRADIENT_CLIPPING = 1.0
LEARNING_RATE = 1e-3
BETAS = [0.9, 0.999]
EPS = 1e-8
WEIGHT_DECAY = 0.0
HIDDEN_SIZE = 128
TRAINING_STEPS = 1000
WARMUP_STEPS = 1
CLIENT_OPTIMIZER = "AdamW"
