"""Streamlit dashboards over analytics views."""
