// module ArbiterRewards
