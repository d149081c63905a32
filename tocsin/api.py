from ninja import NinjaAPI

api = NinjaAPI(title="Tocsin API", version="1", urls_namespace="api")
