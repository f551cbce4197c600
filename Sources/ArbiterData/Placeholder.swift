// module ArbiterData
