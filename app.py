from eduinnov import create_app

app = create_app()
