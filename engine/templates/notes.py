"""Titles, one-line summaries, teaching notes and papers for each template. Data only."""

NOTES: dict[str, tuple[str, str, str, str]] = {
    "perceptron": (
        "Perceptron",
        "One linear layer: the simplest classifier, a straight decision boundary.",
        "Rosenblatt's perceptron computes a weighted sum of its inputs plus a bias and picks a class "
        "from the sign (here: one linear unit per class, trained with cross-entropy). It can only "
        "separate classes with a straight line (a hyperplane), which is why it solves blobs but fails on "
        "XOR, circles and moons — the limitation that motivated multi-layer networks.",
        "F. Rosenblatt, The Perceptron: A Probabilistic Model for Information Storage and Organization "
        "in the Brain, Psychological Review, 1958."),
    "mlp": (
        "Multi-layer perceptron",
        "Dense layers with non-linear activations: curved boundaries, universal approximation.",
        "Stacking linear layers alone still gives a linear function; putting a non-linearity (tanh, ReLU) "
        "between them lets the network bend its decision boundary, and with enough hidden units approximate "
        "any continuous function. Training it needs backpropagation, popularised by Rumelhart, Hinton and "
        "Williams. Remove the activations and watch it fail on the moons data set.",
        "D. Rumelhart, G. Hinton, R. Williams, Learning representations by back-propagating errors, "
        "Nature, 1986."),
    "lenet5": (
        "LeNet-5",
        "Convolutions, pooling, then dense layers: the classic digit recognizer.",
        "LeCun's LeNet-5 introduced the pattern every CNN still follows: small learned convolution filters "
        "shared across the image, pooling to shrink the feature maps, and a few dense layers to classify. "
        "This is the modern variant with ReLU and max pooling and padding 2 on the first convolution so a "
        "28×28 digit keeps its size (61,706 parameters for 10 classes).",
        "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, Gradient-based learning applied to document "
        "recognition, Proc. IEEE, 1998."),
    "alexnet": (
        "AlexNet",
        "The deep CNN that won ImageNet 2012: ReLU, dropout, big convolutions, GPUs.",
        "AlexNet showed that a deep convolutional network trained on GPUs could beat hand-made features on "
        "ImageNet by a wide margin. It popularised ReLU activations (faster training than tanh), dropout in "
        "the dense layers against overfitting, and data augmentation. At 3×224×224 this is torchvision's "
        "version (61,100,840 parameters); for small images a narrower classroom version keeps the layout.",
        "A. Krizhevsky, I. Sutskever, G. Hinton, ImageNet Classification with Deep Convolutional Neural "
        "Networks, NeurIPS 2012."),
    "vgg16": (
        "VGG-16",
        "Only 3×3 convolutions, stacked deep: simplicity and depth.",
        "VGG replaced large filters with stacks of 3×3 convolutions: two 3×3 layers see a 5×5 window with "
        "fewer parameters and an extra non-linearity. Thirteen convolutions in five blocks, each ending in "
        "2×2 max pooling, then three dense layers (138,357,544 parameters at 3×224×224). The classroom "
        "version is 8× narrower and adds batch normalization so such a deep plain stack trains quickly.",
        "K. Simonyan, A. Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, "
        "ICLR 2015."),
    "googlenet": (
        "GoogLeNet (Inception v1)",
        "Inception modules: 1×1, 3×3, 5×5 and pooling branches side by side, concatenated.",
        "GoogLeNet let the network choose its filter size: each inception module runs 1×1, 3×3 and 5×5 "
        "convolutions and a max pooling in parallel and concatenates their channels, with cheap 1×1 "
        "convolutions reducing channels first. It was deeper yet far smaller than VGG (6,624,904 parameters "
        "without the auxiliary heads; as in torchvision, the '5×5' branch uses a 3×3 kernel).",
        "C. Szegedy et al., Going Deeper with Convolutions, CVPR 2015."),
    "resnet18": (
        "ResNet-18",
        "Residual blocks: skip connections that let gradients flow through deep networks.",
        "Very deep plain networks train worse than shallow ones because gradients vanish on the way back. "
        "ResNet adds each block's input to its output (y = F(x) + x), so a block only learns a correction "
        "and gradients have a direct path; a 1×1 projection matches shapes when a block down-samples. "
        "ResNet-18 has 11,689,512 parameters at 3×224×224.",
        "K. He, X. Zhang, S. Ren, J. Sun, Deep Residual Learning for Image Recognition, CVPR 2016."),
    "resnet152": (
        "ResNet-152",
        "152 layers of bottleneck residual blocks (1×1 → 3×3 → 1×1).",
        "The deepest ResNet of the paper: bottleneck blocks squeeze channels with a 1×1 convolution, "
        "convolve with 3×3, and expand again with 1×1 (×4), making 150+ layers affordable; skip "
        "connections keep it trainable (60,192,808 parameters at 3×224×224). The classroom version keeps "
        "all 50 blocks at an eighth of the width.",
        "K. He, X. Zhang, S. Ren, J. Sun, Deep Residual Learning for Image Recognition, CVPR 2016."),
    "rnn": (
        "RNN classifier",
        "A recurrent network reads the image row by row and classifies from its last state.",
        "A recurrent network keeps a hidden state and updates it at every time step with the same weights. "
        "Here each image row is one time step; the final hidden state feeds a linear classifier. Plain RNNs "
        "struggle with long sequences because gradients vanish or explode through many steps.",
        "J. Elman, Finding Structure in Time, Cognitive Science, 1990."),
    "lstm": (
        "LSTM classifier",
        "Long short-term memory: gated cells that remember across many steps.",
        "The LSTM adds a cell state with input, forget and output gates, so information (and gradients) can "
        "pass through many time steps almost unchanged. Reading an image row by row, it learns far more "
        "reliably than a plain RNN.",
        "S. Hochreiter, J. Schmidhuber, Long Short-Term Memory, Neural Computation, 1997."),
    "transformer": (
        "Vision Transformer",
        "Patch embedding, self-attention encoder layers, class token → classifier.",
        "The Transformer replaced recurrence with self-attention: every token looks at every other token "
        "in one step, with several heads attending to different things. The Vision Transformer cuts an "
        "image into patches, embeds each as a token with a learned position, prepends a class token and "
        "classifies from it after the encoder layers.",
        "A. Vaswani et al., Attention Is All You Need, NeurIPS 2017; A. Dosovitskiy et al., An Image is "
        "Worth 16x16 Words, ICLR 2021."),
    "deep_sigmoid": (
        "Deep sigmoid MLP (vanishing gradients)",
        "Ten sigmoid layers in a row: the first layers barely learn. Train it and watch the gradients.",
        "Backpropagation multiplies one activation slope per layer on the way back, and a sigmoid's slope "
        "is at most 0.25. Through ten of them the gradient reaching the first layer is thousands of times "
        "smaller than at the last, so the first layers hardly change: this is why deep networks of the 1990s "
        "would not train. Train it for one epoch and open the gradient-flow view, then compare with its "
        "twin, 'Deep ReLU + batch-norm MLP'.",
        "S. Hochreiter, Untersuchungen zu dynamischen neuronalen Netzen, diploma thesis, TU Munich, 1991; "
        "X. Glorot, Y. Bengio, Understanding the difficulty of training deep feedforward neural networks, "
        "AISTATS 2010."),
    "deep_relu_bn": (
        "Deep ReLU + batch-norm MLP",
        "The same ten layers with ReLU and batch normalization: gradients reach the first layer.",
        "ReLU's slope is 1 wherever a unit is active, and batch normalization rescales every layer's inputs "
        "to mean 0 and spread 1, so the gradient keeps its size on the way back and all ten layers learn. "
        "The twin of 'Deep sigmoid MLP': train both and compare their gradient-flow views.",
        "S. Ioffe, C. Szegedy, Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
        "Covariate Shift, ICML 2015; V. Nair, G. Hinton, Rectified Linear Units Improve Restricted "
        "Boltzmann Machines, ICML 2010."),
}
