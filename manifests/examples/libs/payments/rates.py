RATES = {"EUR": 1.0}
