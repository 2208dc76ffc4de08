# Best trial 1 of study 'penguins': 5-fold CV accuracy 0.9891
from dnn import DeepNetwork

net = DeepNetwork(
    hidden_layers=[47, 17],
    activation='relu',
    learning_rate=0.047485636531424444,
    num_iterations=300,
    optimizer='adam',
    mini_batch_size=None,
    lambd=0.0,
    decay_rate=0.0,
    keep_prob=1.0,
    input_keep_prob=1.0,
    init='he',
    seed=457190280,
    normalize=True,
)
# net.fit(X_train, y_train); net.predict(X)

