#!/usr/bin/env python3
"""Source of truth for /work/eval-sets/{a,b}/questions.jsonl (run to regenerate)."""
import json

AT = "attention-is-all-you-need.pdf"
BE = "bert.pdf"
G1 = "gpt1.pdf"
G2 = "gpt2.pdf"
LO = "lora.pdf"
RA = "rag.pdf"
DP = "dpr.pdf"
SB = "sentence-bert.pdf"
RE = "resnet.pdf"
AD = "adam.pdf"
WV = "word2vec.pdf"
BK = "little-book-of-deep-learning.pdf"


def q(question, document, pages, answer, aliases, evidence, type_):
    return {"question": question, "document": document, "pages": pages, "answer": answer,
            "aliases": aliases, "evidence": evidence, "type": type_}


def u(question):
    return {"question": question, "document": None, "pages": [], "answer": None,
            "aliases": [], "evidence": None, "type": "unanswerable"}


A = [
    # Attention Is All You Need
    q("What BLEU did the big Transformer reach on WMT14 English-German?", AT, [1, 8], "28.4", ["28.4 BLEU"],
      "BLEU, establishing a new state-of-the-art BLEU score of 28.4.", "table"),
    q("how wide is the hidden layer of the transformer's position-wise feed-forward network", AT, [5], "2048", ["df f = 2048", "dff = 2048"],
      "The dimensionality of input and output is dmodel = 512, and the inner-layer has dimensionality df f = 2048.", "number"),
    q("Why does scaled dot-product attention divide the scores by the square root of the key dimension?", AT, [4],
      "the dot products grow large in magnitude, pushing the softmax into regions with extremely small gradients",
      ["extremely small gradients", "dot products grow large in magnitude"],
      "We suspect that for large values of dk , the dot products grow large in magnitude, pushing the softmax function into regions where it has extremely small gradients",
      "why"),
    q("What label smoothing value did the Transformer use in training?", AT, [8], "0.1", ["ϵls = 0.1", "εls = 0.1"],
      "Label Smoothing During training, we employed label smoothing of value ϵls = 0.1 [36]. This hurts perplexity, as the model learns to be more unsure, but improves accuracy and BLEU score.",
      "number"),
    # BERT
    q("what fraction of tokens does bert mask during pre-training", BE, [4], "15%", ["15% of all WordPiece tokens"],
      "we mask 15% of all WordPiece tokens in each sequence at random.", "number"),
    q("Why doesn't BERT always swap a selected token for [MASK]?", BE, [4],
      "to mitigate the mismatch between pre-training and fine-tuning, since [MASK] does not appear during fine-tuning",
      ["mismatch between pre-training and fine-tuning", "the [MASK] token does not appear during fine-tuning"],
      "a downside is that we are creating a mismatch between pre-training and fine-tuning, since the [MASK] token does not appear during fine-tuning.",
      "why"),
    q("What test F1 did BERT post on SQuAD v1.1?", BE, [1], "93.2", ["Test F1 to 93.2"],
      "SQuAD v1.1 question answering Test F1 to 93.2 (1.5 point absolute improvement)", "number"),
    q("How many words of English Wikipedia went into BERT's pre-training corpus?", BE, [5, 14], "2,500M words", ["2,500M", "2.5 billion words"],
      "English Wikipedia (2,500M words).", "number"),
    # GPT-1
    q("Describe the architecture of the original GPT: how many layers, what width, how many heads?", G1, [5],
      "12-layer decoder-only transformer, 768-dimensional states, 12 attention heads", ["12 layers", "12-layer"],
      "12-layer decoder-only transformer with masked self-attention heads (768 dimensional states and 12 attention heads).",
      "method"),
    q("How many BPE merges did the GPT-1 vocabulary use?", G1, [5], "40,000 merges", ["40,000"],
      "We used a bytepair encoding (BPE) vocabulary with 40,000 merges", "number"),
    q("What overall GLUE score did Radford et al.'s 2018 generative pre-training model get, and what was the previous best?", G1, [6, 7],
      "72.8", ["72.8 vs 68.9", "72.8 on the GLUE benchmark"],
      "We also achieve an overall score of 72.8 on the GLUE benchmark, which is significantly better than the previous best of 68.9.",
      "comparison"),
    # GPT-2
    q("how big is gpt-2's vocab", G2, [4], "50,257", ["50,257 tokens", "50257"],
      "The vocabulary is expanded to 50,257.", "number"),
    q("On LAMBADA, how far did GPT-2 bring down the state-of-the-art perplexity?", G2, [5], "from 99.8 to 8.6", ["8.6", "8.6 perplexity"],
      "GPT-2 improves the state of the art from 99.8 (Grave et al., 2016) to 8.6 perplexity", "comparison"),
    q("What minimum Reddit score did a link need for its page to be scraped into WebText?", G2, [3], "3 karma", ["at least 3 karma", "3"],
      "we scraped all outbound links from Reddit, a social media platform, which received at least 3 karma.", "number"),
    # LoRA
    q("Compared with fine-tuning GPT-3 175B using Adam, how much does LoRA cut trainable parameters and GPU memory?", LO, [1],
      "10,000 times fewer trainable parameters and 3 times less GPU memory", ["10,000 times", "3 times"],
      "LoRA can reduce the number of trainable parameters by 10,000 times and the GPU memory requirement by 3 times.",
      "comparison"),
    q("How are LoRA's two low-rank matrices initialised?", LO, [4], "random Gaussian for A and zero for B",
      ["A Gaussian, B zero", "random Gaussian initialization for A and zero for B"],
      "We use a random Gaussian initialization for A and zero for B, so ∆W = BA is zero at the beginning of training.",
      "method"),
    q("Under a fixed parameter budget on GPT-3, which attention weights were best to adapt with LoRA?", LO, [10], "both Wq and Wv",
      ["Wq and Wv", "query and value"],
      "Note that putting all the parameters in ∆Wq or ∆Wk results in significantly lower performance, while adapting both Wq and Wv yields the best result.",
      "table"),
    # RAG
    q("What separates RAG-Token from RAG-Sequence?", RA, [3],
      "RAG-Token can draw a different latent document for each target token",
      ["a different latent document for each target token", "different document per token"],
      "RAG-Token Model In the RAG-Token model we can draw a different latent document for each target token and marginalize accordingly.",
      "comparison"),
    q("How was Wikipedia chopped up to build RAG's document index, and how many documents resulted?", RA, [4],
      "disjoint 100-word chunks, 21M documents", ["21M documents", "21M", "100-word chunks"],
      "Each Wikipedia article is split into disjoint 100-word chunks, to make a total of 21M documents.", "method"),
    q("What exact match did RAG-Sequence score on Natural Questions in the open-domain QA table?", RA, [6], "44.5", [],
      "RAG-Seq. 44.5 56.8/68.0 45.2 52.2", "table"),
    # DPR
    q("On Natural Questions, how does DPR's top-20 retrieval accuracy compare with BM25's?", DP, [5], "78.4% vs. 59.1%", ["78.4%", "78.4"],
      "small (e.g., 78.4% vs. 59.1% for top-20 accuracy on Natural Questions).", "comparison"),
    q("What batch size and negatives did the main DPR model train with?", DP, [5],
      "batch size of 128 with in-batch negatives plus one BM25 negative passage per question",
      ["128", "batch size of 128"],
      "is trained using the in-batch negative setting (Section 3.2) with a batch size of 128 and one additional BM25 negative passage per question.",
      "table"),
    q("how many questions per second can DPR retrieve for", DP, [7], "995.0 questions per second", ["995", "995.0"],
      "DPR can be made incredibly efficient, processing 995.0 questions per second, returning top 100 passages per question.",
      "number"),
    # Sentence-BERT
    q("How long would BERT take to find the most similar pair among 10k sentences, versus SBERT?", SB, [1, 2],
      "about 65 hours with BERT vs about 5 seconds with SBERT", ["65 hours", "5 seconds"],
      "hours with BERT / RoBERTa to about 5 seconds with SBERT, while maintaining the accuracy from BERT.", "comparison"),
    q("In SBERT's classification objective, what vector is fed to the softmax classifier?", SB, [3],
      "the concatenation (u, v, |u − v|)", ["(u, v, |u − v|)", "element-wise difference |u − v|"],
      "We concatenate the sentence embeddings u and v with the element-wise difference |u − v| and multiply it with the trainable weight",
      "method"),
    q("What average STS correlation do plain averaged BERT embeddings get in the Sentence-BERT paper?", SB, [4], "54.81", [],
      "Averaging the BERT embeddings achieves an average correlation of only 54.81", "table"),
    # ResNet
    q("What top-5 error did the ResNet ensemble get on the ImageNet test set?", RE, [1, 2, 7], "3.57%", ["3.57"],
      "An ensemble of these residual nets achieves 3.57% error", "number"),
    q("what's in a resnet bottleneck block", RE, [6], "1×1, 3×3, and 1×1 convolutions", ["1×1, 3×3, 1×1", "three layers"],
      "The three layers are 1×1, 3×3, and 1×1 convolutions, where the 1×1 layers are responsible for reducing and then increasing (restoring) dimensions",
      "definition"),
    q("How many FLOPs does the 152-layer ResNet need, and how does that compare with VGG?", RE, [7], "11.3 billion FLOPs",
      ["11.3 billion", "lower complexity than VGG-16/19"],
      "the 152-layer ResNet (11.3 billion FLOPs) still has lower complexity than VGG-16/19 nets (15.3/19.6 billion FLOPs).",
      "comparison"),
    # Adam
    q("what lr did the adam paper suggest as default", AD, [2], "α = 0.001", ["0.001", "alpha = 0.001"],
      "Good default settings for the tested machine learning problems are α = 0.001,", "number"),
    q("Which norm is the AdaMax variant of Adam built on?", AD, [1, 9], "the infinity norm", ["infinity norm", "L∞"],
      "we discuss AdaMax, a variant of Adam based on the infinity norm.", "definition"),
    q("Why do Adam's raw moving averages need correcting early in training?", AD, [2],
      "they are initialized as zeros, so the moment estimates are biased towards zero",
      ["biased towards zero", "initialized as (vectors of) 0's"],
      "initialized as (vectors of) 0’s, leading to moment estimates that are biased towards zero, especially during the initial timesteps,",
      "why"),
    # word2vec
    q("How does the CBOW model in Mikolov et al. decide which word to predict?", WV, [4],
      "it classifies the current (middle) word from four history and four future words",
      ["the current (middle) word", "current word"],
      "building a log-linear classifier with four future and four history words at the input, where the training criterion is to correctly classify the current (middle) word.",
      "method"),
    q("How many semantic and syntactic questions are in word2vec's analogy test set?", WV, [6], "8869 semantic and 10675 syntactic",
      ["8869", "10675"],
      "Overall, there are 8869 semantic and 10675 syntactic questions.", "number"),
    # Little Book (chapters 3, 4, 6, 6, 7, 8)
    q("What does the little book recommend to stop gradients from blowing up?", BK, [44], "gradient norm clipping",
      ["clipping the gradient norm"],
      "A standard method to prevent it from exploding is gradient norm clipping, which consists of re-scaling the gradient to set its norm to a fixed threshold if it is above it",
      "book"),
    q("What does a dropout layer do at inference time, according to the Little Book of Deep Learning?", BK, [76],
      "it is switched off, so its output equals its input", ["switched off during testing", "output is equal to its input"],
      "It is usually switched off during testing, in which case its output is equal to its input.", "book"),
    q("How many image-text pairs were CLIP's encoders trained on, per the little book?", BK, [130], "400 million",
      ["400 million image-text pairs"],
      "Those two models are trained from scratch using a dataset of 400 million image-text pairs", "book"),
    q("In the Little Book's description of DQN for Atari, what layers make up the Q network?", BK, [134],
      "two convolutional layers and one fully connected layer", ["two convolutional layers"],
      "composed of two convolutional layers and one fully connected layer with one output value per action",
      "book"),
    q("How does the little book explain RLHF?", BK, [140],
      "creating small labeled training sets by asking users to write responses or rate generated responses",
      ["asking users to either write responses or provide ratings"],
      "consists of creating small labeled training sets by asking users to either write responses or provide ratings of generated responses.",
      "book"),
    q("What distinguishes a VAE from a plain autoencoder in the Little Book's 'missing bits' chapter?", BK, [146],
      "it imposes, through the loss, a pre-defined distribution on the latent representation",
      ["a pre-defined distribution on the latent representation"],
      "It imposes, through the loss, a pre-defined distribution on the latent representation.", "book"),
    # unanswerable
    u("What context length does LLaMA 2 support?"),
    u("What top-5 error did a 200-layer ResNet get on ImageNet?"),
    u("What BLEU score did the Transformer reach on WMT English-to-Romanian?"),
    u("How many TPUs were used to train the 1542M-parameter GPT-2, and for how long?"),
    u("What is Sentence-BERT's average score on the MTEB benchmark?"),
    u("What is word2vec's Spearman correlation on WordSim-353?"),
    u("What top-20 retrieval accuracy did DPR get on MS MARCO passage ranking?"),
    u("How many GPU hours did the Adam paper's CIFAR-10 CNN experiments take?"),
]

B = [
    # Attention
    # The paper is inconsistent: abstract and Table 2 say 41.8, the Section 6.1 prose says 41.0. Both accepted.
    q("What BLEU score did Transformer (big) get on the WMT 2014 English-to-French task?", AT, [1, 8], "41.8", ["41.8 BLEU", "41.0"],
      "our model establishes a new single-model state-of-the-art BLEU score of 41.8", "table"),
    q("how long did the big transformer take to train and on what hardware", AT, [1, 7, 8], "3.5 days on 8 P100 GPUs",
      ["3.5 days", "8 P100 GPUs"], "Training took 3.5 days on 8 P100 GPUs.", "number"),
    q("How many parallel attention heads does the base Transformer use?", AT, [5], "8", ["h = 8", "eight"],
      "In this work we employ h = 8 parallel attention layers, or heads.", "number"),
    q("Learned positional embeddings worked about as well, so why did Vaswani et al. keep the sinusoidal ones?", AT, [6],
      "it may allow the model to extrapolate to sequence lengths longer than those seen in training",
      ["extrapolate to sequence lengths longer", "extrapolate to longer sequences"],
      "We chose the sinusoidal version because it may allow the model to extrapolate to sequence lengths longer than the ones encountered during training.",
      "why"),
    # BERT
    q("What score did BERT-large get on the official GLUE leaderboard, versus OpenAI GPT?", BE, [1, 6], "80.5", ["80.5 vs 72.8"],
      "obtains a score of 80.5, compared to OpenAI GPT, which obtains 72.8 as of the date of writing.", "comparison"),
    q("Which learning rates does the BERT appendix suggest searching over for fine-tuning?", BE, [14], "5e-5, 3e-5, 2e-5",
      ["5e-5", "3e-5", "2e-5"], "Learning rate (Adam): 5e-5, 3e-5, 2e-5", "table"),
    q("how are the sentence pairs for bert's next sentence prediction built", BE, [4],
      "50% of the time B is the actual next sentence (IsNext), 50% a random sentence (NotNext)",
      ["50%", "IsNext", "NotNext"],
      "50% of the time B is the actual next sentence that follows A (labeled as IsNext), and 50% of the time it is a random sentence from the corpus (labeled as NotNext).",
      "method"),
    q("How large is BERT's WordPiece vocabulary?", BE, [4], "30,000 tokens", ["30,000", "30k"],
      "We use WordPiece embeddings (Wu et al., 2016) with a 30,000 token vocabulary.", "number"),
    # GPT-1
    q("What peak learning rate was used to pre-train GPT-1?", G1, [5], "2.5e-4", ["max learning rate of 2.5e-4"],
      "We used the Adam optimization scheme [27] with a max learning rate of 2.5e-4.", "number"),
    q("During fine-tuning, how heavily did the first GPT paper weight the auxiliary language-modeling loss?", G1, [5], "λ = 0.5",
      ["0.5", "λ was set to 0.5"], "λ was set to 0.5.", "number"),
    q("How did the first GPT model do on CoLA compared to the prior best?", G1, [6], "45.4 vs 35.0", ["45.4"],
      "Our model obtains an score of 45.4 on CoLA, which is an especially big jump over the previous best result of 35.0,",
      "comparison"),
    # GPT-2
    q("Where does GPT-2 put layer normalization relative to the original Transformer?", G2, [4],
      "moved to the input of each sub-block, plus an extra one after the final self-attention block",
      ["input of each sub-block", "moved to the input of each sub-block"],
      "Layer normalization (Ba et al., 2016) was moved to the input of each sub-block, similar to a pre-activation residual network",
      "method"),
    q("how did gpt-2 do on CoQA zero-shot", G2, [1, 6], "55 F1", ["55", "55 F1 on the development set"],
      "final token A: achieves 55 F1 on the development set.", "number"),
    q("On which language-modeling benchmark was GPT-2 still clearly worse than prior work, and why?", G2, [5],
      "the One Billion Word Benchmark, likely because it is the largest dataset with the most destructive pre-processing",
      ["One Billion Word Benchmark", "1BW"],
      "Our model is still significantly worse than prior work on the One Billion Word Benchmark (Chelba et al., 2013). This is likely due to a combination of it being both the largest dataset and having some of the most destructive pre-processing",
      "comparison"),
    # LoRA
    q("How much training VRAM does LoRA save on GPT-3 175B?", LO, [5], "from 1.2TB to 350GB", ["350GB", "1.2TB to 350GB"],
      "On GPT-3 175B, we reduce the VRAM consumption during training from 1.2TB to 350GB.", "number"),
    q("Why does LoRA not slow down inference the way adapters do?", LO, [4],
      "the update can be merged: compute and store W = W0 + BA and run inference as usual",
      ["W = W0 + BA", "merge the low-rank update into the weights"],
      "When deployed in production, we can explicitly compute and store W = W0 + BA and perform inference as usual.",
      "why"),
    q("How do the LoRA authors choose the scaling constant alpha?", LO, [4], "set α to the first r they try and do not tune it",
      ["the first r we try", "do not tune it"],
      "As a result, we simply set α to the first r we try and do not tune it.", "method"),
    # RAG
    q("How many documents does RAG retrieve per query during training?", RA, [8], "5 or 10", ["either 5 or 10", "k ∈ {5, 10}"],
      "Models are trained with either 5 or 10 retrieved latent documents, and we do not observe significant differences in performance between them.",
      "number"),
    q("In RAG's index hot-swapping test, how often did it answer correctly about 2016 world leaders with the 2016 index?", RA, [8], "70%",
      ["70% correctly"], "RAG answers 70% correctly using the 2016 index for 2016 world leaders", "number"),
    q("What library and approximation does RAG use for its MIPS index?", RA, [4],
      "FAISS with a Hierarchical Navigable Small World approximation", ["FAISS", "HNSW", "Hierarchical Navigable Small World"],
      "build a single MIPS index using FAISS [23] with a Hierarchical Navigable Small World approximation for fast retrieval",
      "method"),
    # DPR
    q("How many passages are in DPR's Wikipedia retrieval collection?", DP, [4], "21,015,324", ["21,015,324 passages", "about 21 million"],
      "which results in 21,015,324 passages in the end.", "number"),
    q("For how many epochs were DPR's encoders trained?", DP, [5],
      "up to 40 epochs for large datasets and 100 epochs for small ones", ["40 epochs", "100 epochs"],
      "We trained the question and passage encoders for up to 40 epochs for large datasets (NQ, TriviaQA, SQuAD) and 100 epochs for small datasets (TREC, WQ),",
      "number"),
    q("how few training examples does DPR need to beat BM25", DP, [5, 6], "1,000 examples", ["1,000", "1000"],
      "dense passage retriever trained using only 1,000 examples already outperforms BM25.", "number"),
    # SBERT
    q("What distance does Sentence-BERT's triplet loss use?", SB, [3], "Euclidean distance", ["Euclidean"],
      "As metric we use Euclidean distance", "method"),
    q("What batch size and learning rate were used to fine-tune SBERT on NLI data?", SB, [4], "batch size 16, learning rate 2e−5",
      ["16", "2e-5", "2e−5"],
      "We used a batch-size of 16, Adam optimizer with learning rate 2e−5, and a linear learning rate warm-up over 10% of the training data.",
      "table"),
    q("How many sentence pairs does MultiNLI contribute to SBERT's training data?", SB, [4], "430,000", ["430,000 sentence pairs"],
      "MultiNLI contains 430,000 sentence pairs and covers a range of genres of spoken and written text.", "number"),
    # ResNet
    q("What learning-rate schedule did the ResNet authors use on ImageNet?", RE, [4],
      "start at 0.1 and divide by 10 when the error plateaus", ["0.1", "divided by 10 when the error plateaus"],
      "The learning rate starts from 0.1 and is divided by 10 when the error plateaus,", "method"),
    q("in resnet's shortcut comparison what is option B", RE, [6],
      "projection shortcuts for increasing dimensions, identity for the others",
      ["projection shortcuts are used for increasing dimensions"],
      "(B) projection shortcuts are used for increasing dimensions, and other shortcuts are identity;", "definition"),
    q("What fraction of VGG-19's FLOPs does the 34-layer baseline network need?", RE, [3], "18%", ["3.6 billion FLOPs", "only 18%"],
      "Our 34layer baseline has 3.6 billion FLOPs (multiply-adds), which is only 18% of VGG-19 (19.6 billion FLOPs).",
      "comparison"),
    # Adam
    q("What default step size is recommended for AdaMax?", AD, [9], "α = 0.002", ["0.002"],
      "Good default settings for the tested machine learning problems are α = 0.002, β1 = 0.9 and β2 = 0.999.", "number"),
    q("What network did Kingma and Ba use for their multilayer MNIST experiment?", AD, [6],
      "two fully connected hidden layers with 1000 hidden units each and ReLU", ["1000 hidden units", "two hidden layers"],
      "a neural network model with two fully connected hidden layers with 1000 hidden units each and ReLU activation are used for this experiment",
      "method"),
    q("How does the Adam paper implement temporal averaging of the parameters?", AD, [9],
      "an exponential moving average over the parameters, one extra line in the inner loop",
      ["exponential moving average over the parameters", "exponential moving average"],
      "Alternatively, an exponential moving average over the parameters can be used, giving higher weight to more recent parameter values.",
      "method"),
    # word2vec
    q("Why do the word2vec models use a Huffman tree for the hierarchical softmax?", WV, [3],
      "it assigns short codes to frequent words, reducing the number of output units to evaluate",
      ["short binary codes to frequent words"],
      "Huffman trees assign short binary codes to frequent words, and this further reduces the number of output units that need to be evaluated",
      "why"),
    q("How many model replicas ran in parallel when word2vec models were trained with DistBelief?", WV, [8], "50 to 100",
      ["50 to 100 model replicas"], "We used 50 to 100 model replicas during the training.", "number"),
    # Little Book (chapters 2, 1/3, 4, 6, 7, 8)
    q("What does the Little Book of Deep Learning mean by 'activations'?", BK, [23],
      "the intermediate quantities the model computes", ["intermediate quantities"],
      "Tensors are used to represent both the signals to be processed, the trainable parameters of the models, and the intermediate quantities they compute. The latter are called activations, in reference to neuronal activations.",
      "book"),
    q("How does Byte Pair Encoding build its tokens, according to the little book?", BK, [34],
      "by hierarchically merging groups of characters", ["hierarchically merging groups of characters"],
      "constructs tokens by hierarchically merging groups of characters, trying to get tokens that represent fragments of words of various lengths but of similar frequencies",
      "book"),
    q("In the little book, what advantage does layer norm have over batch norm at test time?", BK, [82],
      "it behaves the same during training and testing", ["behaves the same during training and testing"],
      "Contrary to batch normalization, since it processes samples individually, layer normalization behaves the same during training and testing.",
      "book"),
    q("How is an object's position encoded for object detection in the Little Book?", BK, [120],
      "the four coordinates (x1,y1,x2,y2) of a rectangular bounding box", ["four coordinates", "bounding box"],
      "An object position is formalized as the four coordinates (x1,y1,x2,y2) of a rectangular bounding box,", "book"),
    q("What does Ho et al.'s diffusion process do at each step, per the little book?", BK, [141],
      "adds a bit of white noise and re-normalizes the variance to 1", ["adding a bit of white noise"],
      "their diffusion process consists of adding a bit of white noise and re-normalizing the variance to 1.", "book"),
    q("Which layers does the Little Book name as the main building blocks of RNNs?", BK, [145], "LSTM or GRU", ["LSTM", "GRU"],
      "Their main components are layers such as LSTM [Hochreiter and Schmidhuber, 1997] or GRU [Cho et al., 2014].", "book"),
    # unanswerable
    u("What vocabulary size does the Mistral 7B tokenizer use?"),
    u("What ImageNet top-1 accuracy does EfficientNet-B7 reach?"),
    u("What WikiText-103 perplexity did the GPT-1 paper report for its BooksCorpus-trained model?"),
    u("How many days did it take to train ResNet-152 on ImageNet, and on how many GPUs?"),
    u("What exact-match score did RAG get on SQuAD Open?"),
    u("How many kWh of electricity did pre-training BERT-large consume?"),
    u("What context window size did GloVe use when counting co-occurrences?"),
    u("What rank r did LoRA use when adapting Stable Diffusion?"),
]


def write(items, prefix, path):
    with open(path, "w", encoding="utf-8") as f:
        for i, it in enumerate(items, 1):
            f.write(json.dumps({"id": f"{prefix}{i:03d}", **it}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write(A, "a", "/work/eval-sets/a/questions.jsonl")
    write(B, "b", "/work/eval-sets/b/questions.jsonl")
    print(len(A), len(B))
