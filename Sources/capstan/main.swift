import CapstanCLI

await Capstan.start()
